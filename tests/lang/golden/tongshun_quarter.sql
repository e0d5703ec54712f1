-- rule quarterly_class (tongshun_quarter.rule:24) 断面季度水质达标奖励、超标补偿
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
    p.kind = 'quarter' AND s.role = 'assessed'
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
      ANY_VALUE(ARRAY_TO_STRING(v.lst, ',')) FILTER(WHERE
        v.name = 'indicators') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'quarter_amount') AS prm_2
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
            ON v.kind = 'quarter' AND v.period = d.period_start AND v.indicator = d.q2_x
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
    g.*,
    EXISTS(
      SELECT
        1
      FROM ev_flags AS v4
      WHERE
        v4.kind = 'quarter'
        AND v4.section_id = g.section_id
        AND v4.period = g.period_start
        AND v4.flags && ['no_flow', 'ice']
    ) AS x_0
  FROM cells AS g
), s8 AS (
  SELECT
    g.*,
    CONCAT_WS(
      '、',
      CASE
        WHEN EXISTS(
          SELECT
            1
          FROM ev_flags AS v5
          WHERE
            v5.kind = 'quarter'
            AND v5.section_id = g.section_id
            AND v5.period = g.period_start
            AND v5.flags && ['no_flow']
        )
        THEN '断流'
      END,
      CASE
        WHEN EXISTS(
          SELECT
            1
          FROM ev_flags AS v6
          WHERE
            v6.kind = 'quarter'
            AND v6.section_id = g.section_id
            AND v6.period = g.period_start
            AND v6.flags && ['ice']
        )
        THEN '结冰'
      END
    ) AS xr_0
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    k.m_0
  FROM grid AS g
  JOIN s6 AS k
    ON k.cell = g.cell AND k.prm_1 IS NOT DISTINCT FROM g.prm_1
), s10 AS (
  SELECT
    g.*,
    k.x_0,
    k.xr_0
  FROM s9 AS g
  JOIN s8 AS k
    ON k.cell = g.cell
), s11 AS (
  SELECT
    g.*,
    CASE g.m_0 <= g.prm_0 WHEN TRUE THEN g.prm_2 WHEN FALSE THEN -(
      g.prm_2
    ) END AS a_raw,
    CASE g.m_0 <= g.prm_0 WHEN TRUE THEN '达到或优于目标类别' WHEN FALSE THEN '劣于目标类别' END AS branch,
    CASE g.m_0 <= g.prm_0 WHEN TRUE THEN '达到或优于目标类别' WHEN FALSE THEN '劣于目标类别' END AS branch_label,
    CASE g.m_0 <= g.prm_0 WHEN TRUE THEN FALSE WHEN FALSE THEN TRUE END AS a_rev_raw
  FROM s10 AS g
), s12 AS (
  SELECT
    g.*,
    CASE WHEN g.x_0 THEN CAST(0 AS DECIMAL(38, 12)) ELSE g.a_raw END AS a_exc,
    CASE WHEN g.x_0 THEN '断流、结冰不考核' END AS exc_label,
    CASE WHEN g.x_0 THEN g.xr_0 END AS exc_reason
  FROM s11 AS g
), s13 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a,
    g.exc_label IS NULL AND g.a_rev_raw AS a_rev
  FROM s12 AS g
)
SELECT
  g.scenario,
  'quarterly_class' AS rule,
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
    'quarterly_class',
    'file',
    'rules/examples/tongshun_quarter.rule',
    'line',
    24,
    'basis',
    '示例方案：季度均值达到或优于目标类别，下游向上游支付；劣于目标，上游向下游支付',
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
      'indicators',
      CAST(CASE WHEN g.prm_1 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_1, ',') END AS TEXT),
      'quarter_amount',
      CAST(g.prm_2 AS TEXT),
      'target',
      CAST(g.prm_0 AS TEXT)
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
FROM s13 AS g
LEFT JOIN (
  SELECT
    c.cell,
    tv_section_id.t AS t_values
  FROM cells AS c
  LEFT JOIN ev_trace_values AS tv_section_id
    ON tv_section_id.kind = 'quarter'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;
