-- rule annual_class (daoguan.rule:19) 断面年度水质类别补偿
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
    p.kind = 'year' AND s.role = 'assessed'
), prm AS MATERIALIZED (
  SELECT
    g.scenario,
    g.param_month,
    v.prm_0,
    v.prm_1
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
        v.name = 'annual_amount') AS prm_0,
      ANY_VALUE(ARRAY_TO_STRING(v.lst, ',')) FILTER(WHERE
        v.name = 'indicators') AS prm_1
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
    p.prm_1
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
        v1.kind = 'year'
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
    k.m_0
  FROM grid AS g
  JOIN s4 AS k
    ON k.cell = g.cell AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s6 AS (
  SELECT
    g.*,
    CASE
      WHEN g.m_0 IS NULL
      THEN NULL
      WHEN g.m_0 >= 1 AND g.m_0 <= 2
      THEN g.prm_0
      WHEN g.m_0 >= 3 AND g.m_0 <= 3
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.m_0 >= 4 AND g.m_0 <= 6
      THEN -(
        g.prm_0
      )
    END AS a_raw,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 2
      THEN 'I..II'
      WHEN g.m_0 >= 3 AND g.m_0 <= 3
      THEN 'III'
      WHEN g.m_0 >= 4 AND g.m_0 <= 6
      THEN 'IV..劣Ⅴ'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 2
      THEN '优于Ⅲ类，新洲区向团风县补偿'
      WHEN g.m_0 >= 3 AND g.m_0 <= 3
      THEN '断面水质年度考核为Ⅲ类，双方互不补偿'
      WHEN g.m_0 >= 4 AND g.m_0 <= 6
      THEN '劣于Ⅲ类，团风县向新洲区补偿'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 2
      THEN FALSE
      WHEN g.m_0 >= 3 AND g.m_0 <= 3
      THEN FALSE
      WHEN g.m_0 >= 4 AND g.m_0 <= 6
      THEN TRUE
      ELSE FALSE
    END AS a_rev_raw
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
  'annual_class' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 OR (
    g.a = 0 AND g.a_rev
  ) THEN 'tuanfeng' ELSE 'xinzhou' END AS payer,
  CASE WHEN g.a < 0 OR (
    g.a = 0 AND g.a_rev
  ) THEN 'xinzhou' ELSE 'tuanfeng' END AS payee,
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
    'annual_class',
    'file',
    'rules/daoguan.rule',
    'line',
    19,
    'basis',
    '《道观河流域横向生态补偿协议》；武汉—黄冈协议：“断面水质年度考核为Ⅲ类，双方互不补偿”',
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
      CAST(g.prm_0 AS TEXT),
      'indicators',
      CAST(CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END AS TEXT)
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
    ON tv_section_id.kind = 'year'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;
