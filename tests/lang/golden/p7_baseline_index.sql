-- rule index (p7_baseline_index.rule:17) 补偿指数
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
        v.name = 'k0') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'threshold') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'pot') AS prm_3
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
), s4 AS (
  SELECT
    g.*,
    q.v AS q2
  FROM s3 AS g
  LEFT JOIN (
    SELECT
      period_start,
      prm_0,
      section_id,
      EDIV_COUNT(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b)) AS v,
      TRUE AS present
    FROM (
      SELECT
        g.period_start,
        g.prm_0,
        g.section_id,
        EDIV((
          g.q2_xb_0
        ), (
          g.q2_xb_1
        )) AS b
      FROM (
        SELECT
          g.*,
          (
            SELECT
              v3.value
            FROM ev_values AS v3
            WHERE
              (
                v3.kind = 'year' AND v3.section_id = g.section_id AND v3.period = g.period_start
              )
              AND v3.indicator = g.q2_x
          ) AS q2_xb_0,
          (
            SELECT
              EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
            FROM (
              SELECT
                (
                  SELECT
                    v5.value
                  FROM ev_values AS v5
                  WHERE
                    (
                      v5.kind = 'year'
                      AND v5.section_id = g.section_id
                      AND v5.period = MAKE_DATE(CAST(y4.y AS INT), MONTH(g.period_start), 1)
                    )
                    AND v5.indicator = g.q2_x
                ) AS b
              FROM RANGE(2012, 2015) AS y4(y)
            )
          ) AS q2_xb_1
        FROM (
          SELECT
            g.*,
            UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS q2_x
          FROM (
            SELECT DISTINCT
              g.period_start,
              g.prm_0,
              g.section_id
            FROM s3 AS g
          ) AS g
        ) AS g
      ) AS g
    ) AS r
    GROUP BY
      period_start,
      prm_0,
      section_id
  ) AS q
    ON q.period_start IS NOT DISTINCT FROM g.period_start
    AND q.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND q.section_id IS NOT DISTINCT FROM g.section_id
), s5 AS (
  SELECT
    g.*,
    CAST((
      g.prm_1
    ) * (
      g.q2
    ) AS DECIMAL(38, 12)) AS m_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.m_0
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s7 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.m_0, 10) AS e6_0,
    ROUND_HALF_EVEN(g.prm_2, 10) AS e6_1
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    CASE
      WHEN g.m_0 IS NULL
      THEN NULL
      WHEN g.e6_0 <= g.e6_1
      THEN g.prm_3
      WHEN g.e6_0 > g.e6_1
      THEN -(
        g.prm_3
      )
    END AS a_raw,
    CASE
      WHEN g.e6_0 <= g.e6_1
      THEN '(.., threshold]'
      WHEN g.e6_0 > g.e6_1
      THEN '(threshold, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e6_0 <= g.e6_1
      THEN 'P ≤ 1，下游补偿上游'
      WHEN g.e6_0 > g.e6_1
      THEN 'P > 1，上游补偿下游'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE WHEN g.e6_0 <= g.e6_1 THEN FALSE WHEN g.e6_0 > g.e6_1 THEN TRUE ELSE FALSE END AS a_rev_raw
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s8 AS g
), s10 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a,
    g.a_rev_raw AS a_rev
  FROM s9 AS g
)
SELECT
  g.scenario,
  'index' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 OR (
    g.a = 0 AND g.a_rev
  ) THEN 'upstream' ELSE 'downstream' END AS payer,
  CASE WHEN g.a < 0 OR (
    g.a = 0 AND g.a_rev
  ) THEN 'downstream' ELSE 'upstream' END AS payee,
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
    'index',
    'file',
    'rules/examples/p7_baseline_index.rule',
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
      CAST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END AS TEXT),
      'k0',
      CAST(g.prm_1 AS TEXT),
      'pot',
      CAST(g.prm_3 AS TEXT),
      'threshold',
      CAST(g.prm_2 AS TEXT)
    ),
    'measures',
    JSON_OBJECT('p_index', CAST(g.m_0 AS TEXT)),
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
FROM s10 AS g
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
