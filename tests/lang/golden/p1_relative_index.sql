-- rule band_rule (p1_relative_index.rule:17) 综合污染指数较对照断面变化
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
    v.prm_3
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
        v.name = 'band') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'small') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'large') AS prm_3
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
    p.prm_3
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
), q2_keys AS MATERIALIZED (
  SELECT
    ROW_NUMBER() OVER () AS kid,
    g.*,
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS n_items
  FROM (
    SELECT DISTINCT
      g.period_start,
      g.prm_0
    FROM s3 AS g
  ) AS g
), q2_all AS MATERIALIZED (
  SELECT
    a.kid,
    a.section_id,
    CASE WHEN a.n = k.n_items THEN a.v END AS v
  FROM (
    SELECT
      kid,
      section_id,
      COUNT(*) AS n,
      MEAN_UNITS(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b)) AS v
    FROM (
      SELECT
        g.kid,
        g.section_id,
        EDIV6_U((
          g.q2_xb_0
        ), (
          g.q2_xb_1
        )) AS b
      FROM (
        SELECT
          g.*,
          q2_xb_1_t."limit" AS q2_xb_1
        FROM (
          SELECT
            d.*,
            v.section_id,
            e.water_body,
            v.value AS q2_xb_0
          FROM (
            SELECT
              g.*,
              UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS q2_x
            FROM q2_keys AS g
          ) AS d
          JOIN ev_values AS v
            ON v.kind = 'month' AND v.period = d.period_start AND v.indicator = d.q2_x
          JOIN ev_sections AS e
            ON e.section_id = v.section_id
        ) AS g
        LEFT JOIN (
          SELECT
            *
          FROM gb3838_limits
          WHERE
            direction IN ('le', 'ge')
        ) AS q2_xb_1_t
          ON q2_xb_1_t.indicator = g.q2_x
          AND q2_xb_1_t.water_body = g.water_body
          AND q2_xb_1_t.class = 3
      ) AS g
    ) AS r
    GROUP BY
      kid,
      section_id
  ) AS a
  JOIN q2_keys AS k
    ON k.kid = a.kid
), s6 AS (
  SELECT
    g.*,
    q.v AS q2
  FROM s3 AS g
  LEFT JOIN q2_keys AS k
    ON k.period_start IS NOT DISTINCT FROM g.period_start
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
  LEFT JOIN q2_all AS q
    ON q.kid = k.kid AND q.section_id = g.section_id
), s7 AS (
  SELECT
    g.*,
    g.q2 AS m_0
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    q.v AS q5
  FROM s7 AS g
  LEFT JOIN q2_keys AS k
    ON k.period_start IS NOT DISTINCT FROM g.period_start
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
  LEFT JOIN q2_all AS q
    ON q.kid = k.kid AND q.section_id = g.control_id
), s9 AS (
  SELECT
    g.*,
    g.q5 AS mc_0
  FROM s8 AS g
), s10 AS (
  SELECT
    g.*,
    EDIV((
      (
        g.m_0
      ) - (
        g.mc_0
      )
    ), (
      g.mc_0
    )) AS l_0
  FROM s9 AS g
), s11 AS (
  SELECT
    g.*,
    EXISTS(
      SELECT
        1
      FROM ev_flags AS v7
      WHERE
        v7.kind = 'month'
        AND v7.section_id = g.section_id
        AND v7.period = g.period_start
        AND v7.flags && ['no_flow', 'ice']
    ) AS x_0
  FROM cells AS g
), s12 AS (
  SELECT
    g.*,
    CONCAT_WS(
      '、',
      CASE
        WHEN EXISTS(
          SELECT
            1
          FROM ev_flags AS v8
          WHERE
            v8.kind = 'month'
            AND v8.section_id = g.section_id
            AND v8.period = g.period_start
            AND v8.flags && ['no_flow']
        )
        THEN '断流'
      END,
      CASE
        WHEN EXISTS(
          SELECT
            1
          FROM ev_flags AS v9
          WHERE
            v9.kind = 'month'
            AND v9.section_id = g.section_id
            AND v9.period = g.period_start
            AND v9.flags && ['ice']
        )
        THEN '结冰'
      END
    ) AS xr_0
  FROM s11 AS g
), s13 AS (
  SELECT
    g.*,
    k.x_0,
    k.xr_0
  FROM s10 AS g
  JOIN s12 AS k
    ON k.cell = g.cell
), s14 AS (
  SELECT
    g.*,
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
      SELECT
        COUNT(DISTINCT v10.indicator)
      FROM ev_values AS v10
      WHERE
        v10.kind = 'month'
        AND v10.section_id = g.section_id
        AND v10.period = g.period_start
        AND NOT v10.value IS NULL
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v10.indicator
        )
    ) AS x_1
  FROM s13 AS g
), s15 AS (
  SELECT
    g.*,
    '监测数据缺失' AS xr_1
  FROM s14 AS g
), s16 AS (
  SELECT
    g.*,
    k.m_0,
    k.mc_0,
    k.l_0,
    k.x_1,
    k.xr_1
  FROM grid AS g
  JOIN s15 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s17 AS (
  SELECT
    g.*,
    k.x_0,
    k.xr_0
  FROM s16 AS g
  JOIN s12 AS k
    ON k.cell = g.cell
), s18 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.l_0, 10) AS e11_0,
    ROUND_HALF_EVEN(-(
      g.prm_1
    ), 10) AS e11_1,
    ROUND_HALF_EVEN(g.prm_1, 10) AS e11_2
  FROM s17 AS g
), s19 AS (
  SELECT
    g.*,
    CASE
      WHEN g.l_0 IS NULL
      THEN NULL
      WHEN g.e11_0 < g.e11_1
      THEN g.prm_3
      WHEN g.e11_0 >= g.e11_1 AND g.e11_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN g.prm_2
      WHEN g.e11_0 > CAST(0 AS DECIMAL(38, 12)) AND g.e11_0 <= g.e11_2
      THEN -(
        g.prm_2
      )
      WHEN g.e11_0 > g.e11_2
      THEN -(
        g.prm_3
      )
    END AS a_raw,
    CASE
      WHEN g.e11_0 < g.e11_1
      THEN '(.., -band)'
      WHEN g.e11_0 >= g.e11_1 AND g.e11_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '[-band, 0]'
      WHEN g.e11_0 > CAST(0 AS DECIMAL(38, 12)) AND g.e11_0 <= g.e11_2
      THEN '(0, band]'
      WHEN g.e11_0 > g.e11_2
      THEN '(band, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e11_0 < g.e11_1
      THEN '下降超过10%'
      WHEN g.e11_0 >= g.e11_1 AND g.e11_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '持平或下降不超过10%'
      WHEN g.e11_0 > CAST(0 AS DECIMAL(38, 12)) AND g.e11_0 <= g.e11_2
      THEN '上升不超过10%'
      WHEN g.e11_0 > g.e11_2
      THEN '上升超过10%'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE
      WHEN g.mc_0 = 0
      THEN '除数为零：control.cpi = 0'
      WHEN g.mc_0 IS NULL
      THEN CASE WHEN g.m_0 IS NULL THEN '数据缺失；' ELSE '' END || CASE
        WHEN g.control_id IS NULL
        THEN '无入境对照断面（control.cpi）'
        ELSE '入境对照断面 ' || g.control_id || ' 数据缺失（control.cpi）'
      END
    END AS a_why,
    CASE
      WHEN g.e11_0 < g.e11_1
      THEN FALSE
      WHEN g.e11_0 >= g.e11_1 AND g.e11_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN FALSE
      WHEN g.e11_0 > CAST(0 AS DECIMAL(38, 12)) AND g.e11_0 <= g.e11_2
      THEN TRUE
      WHEN g.e11_0 > g.e11_2
      THEN TRUE
      ELSE FALSE
    END AS a_rev_raw
  FROM s18 AS g
), s20 AS (
  SELECT
    g.*,
    CASE
      WHEN g.x_0
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.x_1
      THEN CAST(0 AS DECIMAL(38, 12))
      ELSE g.a_raw
    END AS a_exc,
    CASE WHEN g.x_0 THEN '断流、结冰不考核' WHEN g.x_1 THEN '监测数据缺失' END AS exc_label,
    CASE WHEN g.x_0 THEN g.xr_0 WHEN g.x_1 THEN g.xr_1 END AS exc_reason
  FROM s19 AS g
), s21 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a,
    g.exc_label IS NULL AND g.a_rev_raw AS a_rev
  FROM s20 AS g
)
SELECT
  g.scenario,
  'band_rule' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE
    WHEN g.a < 0 OR (
      g.a = 0 AND g.a_rev
    )
    THEN g.party_id
    ELSE 'city_treasury'
  END AS payer,
  CASE
    WHEN g.a < 0 OR (
      g.a = 0 AND g.a_rev
    )
    THEN 'city_treasury'
    ELSE g.party_id
  END AS payee,
  CAST(ROUND_HALF_UP(ABS(COALESCE(g.a, 0)), 2) AS DECIMAL(18, 2)) AS amount,
  g.branch,
  g.exc_label AS exception,
  COALESCE(
    g.exc_reason,
    CASE WHEN g.a IS NULL THEN COALESCE(g.a_why, '数据缺失') END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'band_rule',
    'file',
    'rules/examples/p1_relative_index.rule',
    'line',
    17,
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
      'band',
      CAST(g.prm_1 AS TEXT),
      'inds',
      CAST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END AS TEXT),
      'large',
      CAST(g.prm_3 AS TEXT),
      'small',
      CAST(g.prm_2 AS TEXT)
    ),
    'measures',
    JSON_OBJECT('cpi', CAST(g.m_0 AS TEXT)),
    'control_measures',
    JSON_OBJECT('cpi', CAST(g.mc_0 AS TEXT)),
    'lets',
    JSON_OBJECT('r', CAST(g.l_0 AS TEXT)),
    'values',
    tv.t_values.values,
    'classes',
    tv.t_values.classes,
    'control_values',
    tv.t_control_values.values,
    'control_classes',
    tv.t_control_values.classes,
    'amount_computed',
    CAST(g.a_raw AS TEXT),
    'amount_after_exceptions',
    CAST(g.a_exc AS TEXT),
    'amount_signed',
    CAST(g.a AS TEXT),
    'branch_label',
    g.branch_label
  ) AS JSON) AS trace
FROM s21 AS g
LEFT JOIN (
  SELECT
    c.cell,
    tv_section_id.t AS t_values,
    tv_control_id.t AS t_control_values
  FROM cells AS c
  LEFT JOIN ev_trace_values AS tv_section_id
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
  LEFT JOIN ev_trace_values AS tv_control_id
    ON tv_control_id.kind = 'month'
    AND tv_control_id.section_id = c.control_id
    AND tv_control_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;
