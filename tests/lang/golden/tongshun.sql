-- rule monthly_share (tongshun.rule:32) 来水水质达标奖励、超标补偿（按断面·月分摊年度金额）
WITH cells AS MATERIALIZED (
  SELECT
    s.section_id,
    s.party_id,
    s.control_id,
    s.water_body,
    cs.party_id AS control_party_id,
    cs.water_body AS control_water_body,
    p.period_start,
    p.period_end,
    p.year_start,
    p.param_month,
    p.days,
    p.in_window,
    ROW_NUMBER() OVER (ORDER BY p.period_start, s.section_id) AS cell
  FROM ev_periods AS p
  JOIN ev_sections AS s
    ON s.valid_from <= p.period_end
    AND (
      s.valid_to IS NULL OR s.valid_to >= p.period_start
    )
  LEFT JOIN ev_sections AS cs
    ON cs.section_id = s.control_id
  WHERE
    p.kind = 'month' AND s.role = 'assessed'
), prm AS MATERIALIZED (
  SELECT
    g.scenario,
    g.param_month,
    v.prm_0,
    v.prm_1,
    v.prm_2,
    v.prm_3,
    v.prm_4
  FROM (
    SELECT
      sc.scenario,
      m.param_month
    FROM ev_scenarios AS sc
    CROSS JOIN (
      SELECT DISTINCT
        param_month
      FROM cells
    ) AS m
  ) AS g
  LEFT JOIN (
    SELECT
      v.scenario,
      v.month,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'target') AS prm_0,
      ANY_VALUE(ARRAY_TO_STRING(v.lst, ',')) FILTER(WHERE
        v.name = 'indicators') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'annual_amount') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'penalty_amount') AS prm_3,
      ANY_VALUE(v.txt) FILTER(WHERE
        v.name = 'judge') AS prm_4
    FROM ev_params AS v
    GROUP BY
      v.scenario,
      v.month
  ) AS v
    ON v.scenario = g.scenario AND v.month = g.param_month
), grid AS MATERIALIZED (
  SELECT
    p.scenario,
    c.*,
    p.prm_0,
    p.prm_1,
    p.prm_2,
    p.prm_3,
    p.prm_4
  FROM cells AS c
  JOIN prm AS p
    ON p.param_month = c.param_month
), s3 AS (
  SELECT
    c.*,
    d.prm_1
  FROM cells AS c
  JOIN (
    SELECT DISTINCT
      param_month,
      prm_1
    FROM prm
  ) AS d
    ON d.param_month = c.param_month
), q2_keys AS MATERIALIZED (
  SELECT
    ROW_NUMBER() OVER () AS kid,
    g.*,
    LENGTH(CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END) AS n_items
  FROM (
    SELECT DISTINCT
      g.period_start,
      g.prm_1
    FROM s3 AS g
  ) AS g
), s5 AS (
  SELECT
    g.*,
    q.v AS q2
  FROM s3 AS g
  LEFT JOIN q2_keys AS k
    ON k.period_start IS NOT DISTINCT FROM g.period_start
    AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
  LEFT JOIN (
    SELECT
      a.kid,
      a.section_id,
      CASE WHEN a.n = k.n_items THEN a.v END AS v
    FROM (
      SELECT
        kid,
        section_id,
        COUNT(*) AS n,
        CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE MAX(b) END AS v
      FROM (
        SELECT
          g.kid,
          g.section_id,
          g.q2_xb_0 AS b
        FROM (
          SELECT
            d.*,
            v.section_id,
            e.water_body,
            v.class AS q2_xb_0
          FROM (
            SELECT
              g.*,
              UNNEST(CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END) AS q2_x
            FROM q2_keys AS g
          ) AS d
          JOIN ev_values AS v
            ON v.kind = 'month' AND v.period = d.period_start AND v.indicator = d.q2_x
          JOIN ev_sections AS e
            ON e.section_id = v.section_id
        ) AS g
      ) AS r
      GROUP BY
        kid,
        section_id
    ) AS a
    JOIN q2_keys AS k
      ON k.kid = a.kid
  ) AS q
    ON q.kid = k.kid AND q.section_id = g.section_id
), s6 AS (
  SELECT
    g.*,
    g.q2 AS m_0
  FROM s5 AS g
), s7 AS (
  SELECT
    c.*,
    d.prm_0,
    d.prm_1
  FROM cells AS c
  JOIN (
    SELECT DISTINCT
      param_month,
      prm_0,
      prm_1
    FROM prm
  ) AS d
    ON d.param_month = c.param_month
), s8 AS (
  SELECT
    g.*,
    k.m_0
  FROM s7 AS g
  JOIN s6 AS k
    ON k.cell = g.cell AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s9 AS (
  SELECT
    g.*,
    g.m_0 <= g.prm_0 AS m_1
  FROM s8 AS g
), s10 AS (
  SELECT
    c.*,
    d.prm_0,
    d.prm_1,
    d.prm_4
  FROM cells AS c
  JOIN (
    SELECT DISTINCT
      param_month,
      prm_0,
      prm_1,
      prm_4
    FROM prm
  ) AS d
    ON d.param_month = c.param_month
), s11 AS (
  SELECT
    g.*,
    k.m_0
  FROM s10 AS g
  JOIN s6 AS k
    ON k.cell = g.cell AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s12 AS (
  SELECT
    g.*,
    k.m_1
  FROM s11 AS g
  JOIN s9 AS k
    ON k.cell = g.cell
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s13 AS (
  SELECT
    g.*,
    CASE g.prm_4 = 'all_sections'
      WHEN TRUE
      THEN (
        SELECT
          CASE
            WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN))
            THEN NULL
            ELSE BOOL_AND(CAST(b AS BOOLEAN))
          END
        FROM (
          SELECT
            (
              SELECT
                CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE MAX(b) END
              FROM (
                SELECT
                  (
                    SELECT
                      v6.class
                    FROM ev_values AS v6
                    WHERE
                      (
                        v6.kind = 'month' AND v6.section_id = c4.section_id AND v6.period = g.period_start
                      )
                      AND v6.indicator = c5.x
                  ) AS b
                FROM (
                  SELECT
                    UNNEST(CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END) AS x
                ) AS c5
              ) AS q7
            ) <= g.prm_0 AS b
          FROM (
            SELECT
              *
            FROM ev_sections
            WHERE
              (
                valid_from <= g.period_end
                AND (
                  valid_to IS NULL OR valid_to >= g.period_start
                )
              )
              AND role = 'assessed'
          ) AS c4
        ) AS q8
      )
      WHEN FALSE
      THEN g.m_1
    END AS l_0
  FROM s12 AS g
), s14 AS (
  SELECT
    g.*,
    EXISTS(
      SELECT
        1
      FROM ev_flags AS v9
      WHERE
        v9.kind = 'month'
        AND v9.section_id = g.section_id
        AND v9.period = g.period_start
        AND v9.flags && ['no_flow', 'ice']
    ) AS x_0
  FROM cells AS g
), s15 AS (
  SELECT
    g.*,
    CONCAT_WS(
      '、',
      CASE
        WHEN EXISTS(
          SELECT
            1
          FROM ev_flags AS v10
          WHERE
            v10.kind = 'month'
            AND v10.section_id = g.section_id
            AND v10.period = g.period_start
            AND v10.flags && ['no_flow']
        )
        THEN '断流'
      END,
      CASE
        WHEN EXISTS(
          SELECT
            1
          FROM ev_flags AS v11
          WHERE
            v11.kind = 'month'
            AND v11.section_id = g.section_id
            AND v11.period = g.period_start
            AND v11.flags && ['ice']
        )
        THEN '结冰'
      END
    ) AS xr_0
  FROM s14 AS g
), s16 AS (
  SELECT
    g.*,
    k.m_1
  FROM grid AS g
  JOIN s9 AS k
    ON k.cell = g.cell
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s17 AS (
  SELECT
    g.*,
    k.l_0
  FROM s16 AS g
  JOIN s13 AS k
    ON k.cell = g.cell
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
    AND k.prm_4 IS NOT DISTINCT FROM g.prm_4
), s18 AS (
  SELECT
    g.*,
    k.x_0,
    k.xr_0
  FROM s17 AS g
  JOIN s15 AS k
    ON k.cell = g.cell
), sp12_cls AS (
  SELECT
    p.scenario,
    y.year_start,
    ARRAY_AGG(ROW(p.param_month, p.prm_2) ORDER BY p.param_month) AS k
  FROM prm AS p
  JOIN (
    SELECT DISTINCT
      param_month,
      year_start
    FROM cells
  ) AS y
    ON y.param_month = p.param_month
  GROUP BY
    p.scenario,
    y.year_start
), sp12_rep AS MATERIALIZED (
  SELECT
    scenario,
    year_start,
    MIN(scenario) OVER (PARTITION BY year_start, k) AS rep
  FROM sp12_cls
), sp12_in AS (
  SELECT
    g.*
  FROM grid AS g
  JOIN sp12_rep AS r
    ON r.scenario = g.scenario AND r.year_start = g.year_start
  WHERE
    r.rep = r.scenario
), s22 AS (
  SELECT
    g.*,
    CAST(ROUND_HALF_UP(
      FIRST(g.prm_2) OVER (
        PARTITION BY g.scenario, g.year_start
        ORDER BY g.period_start, g.section_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ),
      2
    ) * 100 AS INT128) AS sp12_f,
    COALESCE(DEC_UNITS(CAST(1 AS DECIMAL(38, 12))), 0) AS sp12_w
  FROM sp12_in AS g
), s23 AS (
  SELECT
    g.*,
    g.sp12_f * g.sp12_w // NULLIF(SUM(g.sp12_w) OVER (PARTITION BY g.scenario, g.year_start), 0) AS sp12_base,
    g.sp12_f * g.sp12_w % NULLIF(SUM(g.sp12_w) OVER (PARTITION BY g.scenario, g.year_start), 0) AS sp12_rem
  FROM s22 AS g
), s24 AS (
  SELECT
    g.*,
    CAST(g.sp12_base + CASE
      WHEN ROW_NUMBER() OVER (
        PARTITION BY g.scenario, g.year_start
        ORDER BY g.sp12_rem DESC, g.period_start, g.section_id
      ) <= g.sp12_f - SUM(g.sp12_base) OVER (PARTITION BY g.scenario, g.year_start)
      THEN 1
      ELSE 0
    END AS DECIMAL(38, 0)) * CAST(0.01 AS DECIMAL(38, 12)) AS sp12
  FROM s23 AS g
), s25 AS (
  SELECT
    g.*,
    o.sp12
  FROM s18 AS g
  JOIN sp12_rep AS r
    ON r.scenario = g.scenario AND r.year_start = g.year_start
  JOIN (
    SELECT
      scenario,
      cell,
      sp12
    FROM s24
  ) AS o
    ON o.scenario = r.rep AND o.cell = g.cell
), sp13_cls AS (
  SELECT
    p.scenario,
    y.year_start,
    ARRAY_AGG(ROW(p.param_month, p.prm_3) ORDER BY p.param_month) AS k
  FROM prm AS p
  JOIN (
    SELECT DISTINCT
      param_month,
      year_start
    FROM cells
  ) AS y
    ON y.param_month = p.param_month
  GROUP BY
    p.scenario,
    y.year_start
), sp13_rep AS MATERIALIZED (
  SELECT
    scenario,
    year_start,
    MIN(scenario) OVER (PARTITION BY year_start, k) AS rep
  FROM sp13_cls
), sp13_in AS (
  SELECT
    g.*
  FROM grid AS g
  JOIN sp13_rep AS r
    ON r.scenario = g.scenario AND r.year_start = g.year_start
  WHERE
    r.rep = r.scenario
), s29 AS (
  SELECT
    g.*,
    CAST(ROUND_HALF_UP(
      FIRST(g.prm_3) OVER (
        PARTITION BY g.scenario, g.year_start
        ORDER BY g.period_start, g.section_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ),
      2
    ) * 100 AS INT128) AS sp13_f,
    COALESCE(DEC_UNITS(CAST(1 AS DECIMAL(38, 12))), 0) AS sp13_w
  FROM sp13_in AS g
), s30 AS (
  SELECT
    g.*,
    g.sp13_f * g.sp13_w // NULLIF(SUM(g.sp13_w) OVER (PARTITION BY g.scenario, g.year_start), 0) AS sp13_base,
    g.sp13_f * g.sp13_w % NULLIF(SUM(g.sp13_w) OVER (PARTITION BY g.scenario, g.year_start), 0) AS sp13_rem
  FROM s29 AS g
), s31 AS (
  SELECT
    g.*,
    CAST(g.sp13_base + CASE
      WHEN ROW_NUMBER() OVER (
        PARTITION BY g.scenario, g.year_start
        ORDER BY g.sp13_rem DESC, g.period_start, g.section_id
      ) <= g.sp13_f - SUM(g.sp13_base) OVER (PARTITION BY g.scenario, g.year_start)
      THEN 1
      ELSE 0
    END AS DECIMAL(38, 0)) * CAST(0.01 AS DECIMAL(38, 12)) AS sp13
  FROM s30 AS g
), s32 AS (
  SELECT
    g.*,
    o.sp13
  FROM s25 AS g
  JOIN sp13_rep AS r
    ON r.scenario = g.scenario AND r.year_start = g.year_start
  JOIN (
    SELECT
      scenario,
      cell,
      sp13
    FROM s31
  ) AS o
    ON o.scenario = r.rep AND o.cell = g.cell
), s33 AS (
  SELECT
    g.*,
    CASE g.l_0 WHEN TRUE THEN g.sp12 WHEN FALSE THEN -(
      g.sp13
    ) END AS a_raw,
    CASE g.l_0 WHEN TRUE THEN '达到或优于目标类别' WHEN FALSE THEN '劣于目标类别' END AS branch,
    CASE g.l_0 WHEN TRUE THEN '达到或优于目标类别' WHEN FALSE THEN '劣于目标类别' END AS branch_label,
    CASE g.l_0 WHEN TRUE THEN FALSE WHEN FALSE THEN TRUE END AS a_rev_raw
  FROM s32 AS g
), s34 AS (
  SELECT
    g.*,
    CASE WHEN g.x_0 THEN CAST(0 AS DECIMAL(38, 12)) ELSE g.a_raw END AS a_exc,
    CASE WHEN g.x_0 THEN '断流、结冰不考核' END AS exc_label,
    CASE WHEN g.x_0 THEN g.xr_0 END AS exc_reason
  FROM s33 AS g
), s35 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a,
    g.exc_label IS NULL AND g.a_rev_raw AS a_rev
  FROM s34 AS g
)
SELECT
  g.scenario,
  'monthly_share' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 OR (
    g.a = 0 AND g.a_rev
  ) THEN 'xiantao' ELSE 'wuhan_jkq' END AS payer,
  CASE WHEN g.a < 0 OR (
    g.a = 0 AND g.a_rev
  ) THEN 'wuhan_jkq' ELSE 'xiantao' END AS payee,
  CAST(ROUND_HALF_UP(ABS(COALESCE(g.a, 0)), 2) AS DECIMAL(18, 2)) AS amount,
  g.branch,
  g.exc_label AS exception,
  COALESCE(
    g.exc_reason,
    CASE WHEN g.a IS NULL THEN '数据缺失' END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'monthly_share',
    'file',
    'rules/tongshun.rule',
    'line',
    32,
    'basis',
    '《通顺河流域跨市断面水质考核生态补偿协议》：每月考核1次，年度奖惩金额为每月预核…（原文截断）',
    'section',
    g.section_id,
    'control',
    g.control_id,
    'period_start',
    CAST(g.period_start AS TEXT),
    'param_month',
    CAST(g.param_month AS TEXT),
    'params',
    JSON_OBJECT(
      'annual_amount',
      CAST(g.prm_2 AS TEXT),
      'indicators',
      CAST(CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END AS TEXT),
      'judge',
      CAST(g.prm_4 AS TEXT),
      'penalty_amount',
      CAST(g.prm_3 AS TEXT),
      'target',
      CAST(g.prm_0 AS TEXT)
    ),
    'measures',
    JSON_OBJECT('meets_target', CAST(g.m_1 AS TEXT)),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT('compliant', CAST(g.l_0 AS TEXT)),
    'values',
    tv.t_values.values,
    'classes',
    tv.t_values.classes,
    'amount_computed',
    CAST(g.a_raw AS TEXT),
    'amount_after_exceptions',
    CAST(g.a_exc AS TEXT),
    'amount_signed',
    CAST(g.a AS TEXT),
    'branch_label',
    g.branch_label
  ) AS JSON) AS trace
FROM s35 AS g
LEFT JOIN (
  SELECT
    c.cell,
    tv_section_id.t AS t_values
  FROM cells AS c
  LEFT JOIN ev_trace_values AS tv_section_id
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;
