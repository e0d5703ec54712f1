-- rule gap (p6_concentration_gap.rule:14) 浓度差补偿
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
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'target') AS prm_0,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'coef_cod') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'coef_nh3n') AS prm_2
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
      LIMIT_OF('COD', g.water_body, g.prm_0)
    ) - (
      (
        SELECT
          v1.value
        FROM ev_values AS v1
        WHERE
          (
            v1.kind = 'month' AND v1.section_id = g.section_id AND v1.period = g.period_start
          )
          AND v1.indicator = 'COD'
      )
    ) AS l_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      LIMIT_OF('NH3N', g.water_body, g.prm_0)
    ) - (
      (
        SELECT
          v2.value
        FROM ev_values AS v2
        WHERE
          (
            v2.kind = 'month' AND v2.section_id = g.section_id AND v2.period = g.period_start
          )
          AND v2.indicator = 'NH3N'
      )
    ) AS l_1
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.l_0,
    k.l_1
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    CAST((
      CAST((
        EDIV((
          g.l_0
        ), (
          CAST(1 AS DECIMAL(38, 12))
        ))
      ) * (
        g.prm_1
      ) AS DECIMAL(38, 12))
    ) + (
      CAST((
        EDIV((
          g.l_1
        ), (
          CAST(1 AS DECIMAL(38, 12))
        ))
      ) * (
        g.prm_2
      ) AS DECIMAL(38, 12))
    ) AS DECIMAL(38, 12)) AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s8 AS g
)
SELECT
  g.scenario,
  'gap' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN g.party_id ELSE 'downstream' END AS payer,
  CASE WHEN g.a < 0 THEN 'downstream' ELSE g.party_id END AS payee,
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
    'gap',
    'file',
    'rules/examples/p6_concentration_gap.rule',
    'line',
    14,
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
      'coef_cod',
      CAST(g.prm_1 AS TEXT),
      'coef_nh3n',
      CAST(g.prm_2 AS TEXT),
      'target',
      CAST(g.prm_0 AS TEXT)
    ),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT('gap_cod', CAST(g.l_0 AS TEXT), 'gap_nh3n', CAST(g.l_1 AS TEXT)),
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
FROM s9 AS g
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
