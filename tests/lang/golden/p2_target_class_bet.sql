-- rule bet (p2_target_class_bet.rule:16) 目标类别对赌
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
    v.prm_2
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
      ANY_VALUE(ARRAY_TO_STRING(v.lst, ',')) FILTER(WHERE
        v.name = 'inds') AS prm_0,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'amount_each') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'yearly_cap') AS prm_2
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
    p.prm_2
  FROM cells AS c
  JOIN prm AS p
    ON p.param_month = c.param_month
), s3 AS (
  SELECT
    c.*,
    d.prm_0
  FROM cells AS c
  JOIN (
    SELECT DISTINCT
      param_month,
      prm_0
    FROM prm
  ) AS d
    ON d.param_month = c.param_month
), s4 AS (
  SELECT
    g.*,
    (
      SELECT
        MAX(v1.class)
      FROM ev_values AS v1
      WHERE
        v1.kind = 'month'
        AND v1.section_id = g.section_id
        AND v1.period = g.period_start
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v1.indicator
        )
    ) AS m_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    EXISTS(
      SELECT
        1
      FROM ev_flags AS v2
      WHERE
        v2.kind = 'month'
        AND v2.section_id = g.section_id
        AND v2.period = g.period_start
        AND v2.flags && ['incident']
    ) AS x_0
  FROM cells AS g
), s6 AS (
  SELECT
    g.*,
    CONCAT_WS(
      '、',
      CASE
        WHEN EXISTS(
          SELECT
            1
          FROM ev_flags AS v3
          WHERE
            v3.kind = 'month'
            AND v3.section_id = g.section_id
            AND v3.period = g.period_start
            AND v3.flags && ['incident']
        )
        THEN '突发事件'
      END
    ) AS xr_0
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    k.m_0
  FROM grid AS g
  JOIN s4 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s8 AS (
  SELECT
    g.*,
    k.x_0,
    k.xr_0
  FROM s7 AS g
  JOIN s6 AS k
    ON k.cell = g.cell
), s9 AS (
  SELECT
    g.*,
    CASE
      WHEN g.m_0 IS NULL
      THEN NULL
      WHEN g.m_0 >= 1 AND g.m_0 <= 3
      THEN g.prm_1
      WHEN g.m_0 >= 4 AND g.m_0 <= 4
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.m_0 >= 5 AND g.m_0 <= 6
      THEN -(
        g.prm_1
      )
    END AS a_raw,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 3
      THEN 'I..III'
      WHEN g.m_0 >= 4 AND g.m_0 <= 4
      THEN 'IV'
      WHEN g.m_0 >= 5 AND g.m_0 <= 6
      THEN 'V..劣Ⅴ'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 3
      THEN '达到或优于Ⅲ类'
      WHEN g.m_0 >= 4 AND g.m_0 <= 4
      THEN 'Ⅳ类为中性区间'
      WHEN g.m_0 >= 5 AND g.m_0 <= 6
      THEN '劣于Ⅳ类'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 3
      THEN FALSE
      WHEN g.m_0 >= 4 AND g.m_0 <= 4
      THEN FALSE
      WHEN g.m_0 >= 5 AND g.m_0 <= 6
      THEN TRUE
      ELSE FALSE
    END AS a_rev_raw
  FROM s8 AS g
), s10 AS (
  SELECT
    g.*,
    CASE
      WHEN g.x_0
      THEN (
        SELECT
          CASE
            WHEN mm4.x0 IS NULL OR mm4.x1 IS NULL
            THEN NULL
            ELSE CASE WHEN mm4.x0 IS NULL OR mm4.x1 IS NULL THEN NULL ELSE LEAST(mm4.x0, mm4.x1) END
          END
        FROM (
          SELECT
            g.a_raw AS x0,
            CAST(0 AS DECIMAL(38, 12)) AS x1
        ) AS mm4
      )
      ELSE g.a_raw
    END AS a_exc,
    CASE WHEN g.x_0 THEN '重大事件否决奖励' END AS exc_label,
    CASE WHEN g.x_0 THEN g.xr_0 END AS exc_reason
  FROM s9 AS g
), s11 AS (
  SELECT
    g.*,
    CAST(CASE
      WHEN g.a_exc IS NULL
      THEN NULL
      ELSE CASE
        WHEN CASE
          WHEN SUM(COALESCE(g.a_exc, 0)) OVER (
            PARTITION BY g.scenario, g.year_start
            ORDER BY g.period_start, g.section_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
          ) IS NULL
          OR g.prm_2 IS NULL
          THEN NULL
          ELSE LEAST(
            SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ),
            g.prm_2
          )
        END IS NULL
        OR -(
          g.prm_2
        ) IS NULL
        THEN NULL
        ELSE GREATEST(
          CASE
            WHEN SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) IS NULL
            OR g.prm_2 IS NULL
            THEN NULL
            ELSE LEAST(
              SUM(COALESCE(g.a_exc, 0)) OVER (
                PARTITION BY g.scenario, g.year_start
                ORDER BY g.period_start, g.section_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ),
              g.prm_2
            )
          END,
          -(
            g.prm_2
          )
        )
      END - CASE
        WHEN CASE
          WHEN (
            SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) - COALESCE(g.a_exc, 0)
          ) IS NULL
          OR g.prm_2 IS NULL
          THEN NULL
          ELSE LEAST(
            SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) - COALESCE(g.a_exc, 0),
            g.prm_2
          )
        END IS NULL
        OR -(
          g.prm_2
        ) IS NULL
        THEN NULL
        ELSE GREATEST(
          CASE
            WHEN (
              SUM(COALESCE(g.a_exc, 0)) OVER (
                PARTITION BY g.scenario, g.year_start
                ORDER BY g.period_start, g.section_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ) - COALESCE(g.a_exc, 0)
            ) IS NULL
            OR g.prm_2 IS NULL
            THEN NULL
            ELSE LEAST(
              SUM(COALESCE(g.a_exc, 0)) OVER (
                PARTITION BY g.scenario, g.year_start
                ORDER BY g.period_start, g.section_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ) - COALESCE(g.a_exc, 0),
              g.prm_2
            )
          END,
          -(
            g.prm_2
          )
        )
      END
    END AS DECIMAL(38, 12)) AS a_cap0,
    g.prm_2 AS a_cap0_limit
  FROM s10 AS g
), s12 AS (
  SELECT
    g.*,
    CASE
      WHEN NOT g.a_exc IS NULL AND ROUND_HALF_UP(g.a_cap0, 2) <> ROUND_HALF_UP(g.a_exc, 2)
      THEN '年度上限 yearly_cap = ' || CAST(CAST(ROUND_HALF_UP(ABS(g.a_cap0_limit), 2) AS DECIMAL(18, 2)) AS TEXT) || '元：由 ' || CAST(CAST(ROUND_HALF_UP(ABS(g.a_exc), 2) AS DECIMAL(18, 2)) AS TEXT) || '元减至 ' || CAST(CAST(ROUND_HALF_UP(ABS(g.a_cap0), 2) AS DECIMAL(18, 2)) AS TEXT) || '元'
    END AS a_cap0_reason
  FROM s11 AS g
), s13 AS (
  SELECT
    g.*,
    CAST(g.a_cap0 AS DECIMAL(38, 12)) AS a,
    g.exc_label IS NULL AND g.a_rev_raw AS a_rev
  FROM s12 AS g
), s14 AS (
  SELECT
    g.*,
    ROW_NUMBER() OVER () AS rid,
    CAST(ROUND_HALF_UP(ABS(COALESCE(g.a, 0)), 2) * 100 AS INT128) AS a_fen,
    [
      DEC_UNITS(CAST(0.50 AS DECIMAL(38, 12))),
      DEC_UNITS(CAST(0.50 AS DECIMAL(38, 12)))
    ] AS w_list,
    ['upstream_left', 'upstream_right'] AS p_list
  FROM s13 AS g
), s15 AS (
  SELECT
    g.*,
    sh.k,
    LIST_EXTRACT(g.p_list, CAST(sh.k AS INT)) AS share_party,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) // LIST_SUM(g.w_list) AS base,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) % LIST_SUM(g.w_list) AS rem
  FROM s14 AS g
  CROSS JOIN RANGE(1, 3) AS sh(k)
)
SELECT
  g.scenario,
  'bet' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE
    WHEN g.a < 0 OR (
      g.a = 0 AND g.a_rev
    )
    THEN g.share_party
    ELSE 'downstream'
  END AS payer,
  CASE
    WHEN g.a < 0 OR (
      g.a = 0 AND g.a_rev
    )
    THEN 'downstream'
    ELSE g.share_party
  END AS payee,
  CAST(CAST(g.base + CASE
    WHEN ROW_NUMBER() OVER (PARTITION BY g.rid ORDER BY g.rem DESC, g.k) <= g.a_fen - SUM(g.base) OVER (PARTITION BY g.rid)
    THEN 1
    ELSE 0
  END AS DECIMAL(18, 0)) * CAST(0.01 AS DECIMAL(18, 2)) AS DECIMAL(18, 2)) AS amount,
  g.branch,
  g.exc_label AS exception,
  COALESCE(
    NULLIF(CONCAT_WS('；', g.exc_reason, g.a_cap0_reason), ''),
    CASE WHEN g.a IS NULL THEN '数据缺失' END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'bet',
    'file',
    'rules/examples/p2_target_class_bet.rule',
    'line',
    16,
    'basis',
    '示例',
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
      'amount_each',
      CAST(g.prm_1 AS TEXT),
      'inds',
      CAST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END AS TEXT),
      'yearly_cap',
      CAST(g.prm_2 AS TEXT)
    ),
    'measures',
    JSON_OBJECT('section_class', CAST(g.m_0 AS TEXT)),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT(),
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
    g.branch_label,
    'caps',
    JSON_ARRAY(
      JSON_OBJECT(
        'after',
        CAST(g.a_cap0 AS TEXT),
        'before',
        CAST(g.a_exc AS TEXT),
        'cap',
        'cap yearly_cap per year',
        'limit',
        CAST(g.a_cap0_limit AS TEXT)
      )
    )
  ) AS JSON) AS trace
FROM s15 AS g
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
