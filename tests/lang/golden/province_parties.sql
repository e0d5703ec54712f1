-- rule bet (province_parties.rule:19) 达到目标类别下游省付上游省，否则上游省付下游省
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
        v.name = 'target') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'monthly') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'monitoring') AS prm_3
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
    k.m_0
  FROM grid AS g
  JOIN s4 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s6 AS (
  SELECT
    g.*,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN g.prm_2 WHEN FALSE THEN -(
      g.prm_2
    ) END AS a_raw,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN '达到目标类别' WHEN FALSE THEN '劣于目标类别' END AS branch,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN '达到目标类别' WHEN FALSE THEN '劣于目标类别' END AS branch_label,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN FALSE WHEN FALSE THEN TRUE END AS a_rev_raw
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a,
    g.a_rev_raw AS a_rev
  FROM s7 AS g
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
    THEN 'upper_province'
    ELSE 'lower_province'
  END AS payer,
  CASE
    WHEN g.a < 0 OR (
      g.a = 0 AND g.a_rev
    )
    THEN 'lower_province'
    ELSE 'upper_province'
  END AS payee,
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
    'bet',
    'file',
    'rules/examples/province_parties.rule',
    'line',
    19,
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
      CAST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END AS TEXT),
      'monthly',
      CAST(g.prm_2 AS TEXT),
      'target',
      CAST(g.prm_1 AS TEXT)
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
    g.branch_label
  ) AS JSON) AS trace
FROM s8 AS g
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

-- rule monitoring_fee (province_parties.rule:26) 流域管理机构监测经费，两省各半
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
        v.name = 'target') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'monthly') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'monitoring') AS prm_3
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
    g.*,
    g.prm_3 AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
  FROM grid AS g
), s4 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    ROW_NUMBER() OVER () AS rid,
    CAST(ROUND_HALF_UP(ABS(COALESCE(g.a, 0)), 2) * 100 AS INT128) AS a_fen,
    [
      DEC_UNITS(CAST(0.50 AS DECIMAL(38, 12))),
      DEC_UNITS(CAST(0.50 AS DECIMAL(38, 12)))
    ] AS w_list,
    ['upper_province', 'lower_province'] AS p_list
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    sh.k,
    LIST_EXTRACT(g.p_list, CAST(sh.k AS INT)) AS share_party,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) // LIST_SUM(g.w_list) AS base,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) % LIST_SUM(g.w_list) AS rem
  FROM s6 AS g
  CROSS JOIN RANGE(1, 3) AS sh(k)
)
SELECT
  g.scenario,
  'monitoring_fee' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN 'basin_office' ELSE g.share_party END AS payer,
  CASE WHEN g.a < 0 THEN g.share_party ELSE 'basin_office' END AS payee,
  CAST(CAST(g.base + CASE
    WHEN ROW_NUMBER() OVER (PARTITION BY g.rid ORDER BY g.rem DESC, g.k) <= g.a_fen - SUM(g.base) OVER (PARTITION BY g.rid)
    THEN 1
    ELSE 0
  END AS DECIMAL(18, 0)) * CAST(0.01 AS DECIMAL(18, 2)) AS DECIMAL(18, 2)) AS amount,
  g.branch,
  g.exc_label AS exception,
  COALESCE(
    g.exc_reason,
    CASE WHEN g.a IS NULL THEN '数据缺失' END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'monitoring_fee',
    'file',
    'rules/examples/province_parties.rule',
    'line',
    26,
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
    JSON_OBJECT('monitoring', CAST(g.prm_3 AS TEXT)),
    'measures',
    JSON_OBJECT(),
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
    g.branch_label
  ) AS JSON) AS trace
FROM s7 AS g
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
