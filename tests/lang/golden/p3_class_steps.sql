-- rule class_steps (p3_class_steps.rule:17) 按类别差扣缴
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
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'target') AS prm_0,
      ANY_VALUE(ARRAY_TO_STRING(v.lst, ',')) FILTER(WHERE
        v.name = 'inds') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_step') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_step_reduced') AS prm_3
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
    d.prm_1
  FROM cells AS c
  JOIN (
    SELECT DISTINCT
      param_month,
      prm_1
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
          CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END,
          v1.indicator
        )
    ) AS m_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      SELECT
        MAX(v2.class)
      FROM ev_values AS v2
      WHERE
        v2.kind = 'month'
        AND v2.section_id = g.control_id
        AND v2.period = g.period_start
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END,
          v2.indicator
        )
    ) AS mc_0
  FROM s4 AS g
), s6 AS (
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
), s7 AS (
  SELECT
    g.*,
    k.m_0,
    k.mc_0
  FROM s6 AS g
  JOIN s5 AS k
    ON k.cell = g.cell AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s8 AS (
  SELECT
    g.*,
    (
      g.m_0
    ) - (
      g.prm_0
    ) AS l_0
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    g.m_0 = 6 AS x_0
  FROM s5 AS g
), s10 AS (
  SELECT
    g.*,
    '劣Ⅴ类加倍' AS xr_0
  FROM s9 AS g
), s11 AS (
  SELECT
    g.*,
    k.m_0,
    k.mc_0,
    k.x_0,
    k.xr_0
  FROM grid AS g
  JOIN s10 AS k
    ON k.cell = g.cell AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s12 AS (
  SELECT
    g.*,
    k.l_0
  FROM s11 AS g
  JOIN s8 AS k
    ON k.cell = g.cell
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s13 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.l_0, 10) AS e3_0
  FROM s12 AS g
), s14 AS (
  SELECT
    g.*,
    CASE
      WHEN g.l_0 IS NULL
      THEN NULL
      WHEN g.e3_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.e3_0 > CAST(0 AS DECIMAL(38, 12))
      THEN CAST((
        g.l_0
      ) * (
        CASE ROUND_HALF_EVEN(g.m_0, 10) <= ROUND_HALF_EVEN(g.mc_0, 10)
          WHEN TRUE
          THEN g.prm_3
          WHEN FALSE
          THEN g.prm_2
        END
      ) AS DECIMAL(38, 12))
    END AS a_raw,
    CASE
      WHEN g.e3_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '(.., 0]'
      WHEN g.e3_0 > CAST(0 AS DECIMAL(38, 12))
      THEN '(0, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e3_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '达到目标'
      WHEN g.e3_0 > CAST(0 AS DECIMAL(38, 12))
      THEN '劣于目标'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE
      WHEN g.mc_0 IS NULL
      THEN CASE WHEN g.m_0 IS NULL THEN '数据缺失；' ELSE '' END || CASE
        WHEN g.control_id IS NULL
        THEN '无入境对照断面（control.section_class）'
        ELSE '入境对照断面 ' || g.control_id || ' 数据缺失（control.section_class）'
      END
    END AS a_why
  FROM s13 AS g
), s15 AS (
  SELECT
    g.*,
    CASE
      WHEN g.x_0
      THEN CAST((
        g.a_raw
      ) * (
        CAST(2 AS DECIMAL(38, 12))
      ) AS DECIMAL(38, 12))
      ELSE g.a_raw
    END AS a_exc,
    CASE WHEN g.x_0 THEN '劣Ⅴ类加倍' END AS exc_label,
    CASE WHEN g.x_0 THEN g.xr_0 END AS exc_reason
  FROM s14 AS g
), s16 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s15 AS g
)
SELECT
  g.scenario,
  'class_steps' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN 'city_treasury' ELSE g.party_id END AS payer,
  CASE WHEN g.a < 0 THEN g.party_id ELSE 'city_treasury' END AS payee,
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
    'class_steps',
    'file',
    'rules/examples/p3_class_steps.rule',
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
      'inds',
      CAST(CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END AS TEXT),
      'per_step',
      CAST(g.prm_2 AS TEXT),
      'per_step_reduced',
      CAST(g.prm_3 AS TEXT),
      'target',
      CAST(g.prm_0 AS TEXT)
    ),
    'measures',
    JSON_OBJECT('section_class', CAST(g.m_0 AS TEXT)),
    'control_measures',
    JSON_OBJECT('section_class', CAST(g.mc_0 AS TEXT)),
    'lets',
    JSON_OBJECT('steps', CAST(g.l_0 AS TEXT)),
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
FROM s16 AS g
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
