-- rule share (ratio_parameters.rule:18) 劣于Ⅲ类时上游按比例分担
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
        v.name = 'pool') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'upstream_share') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'band') AS prm_3
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
    CASE
      WHEN g.m_0 IS NULL
      THEN NULL
      WHEN g.m_0 >= 1 AND g.m_0 <= 3
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.m_0 >= 4 AND g.m_0 <= 6
      THEN CAST((
        g.prm_1
      ) * (
        g.prm_2
      ) AS DECIMAL(38, 12))
    END AS a_raw,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 3
      THEN 'I..III'
      WHEN g.m_0 >= 4 AND g.m_0 <= 6
      THEN 'IV..劣Ⅴ'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.m_0 >= 1 AND g.m_0 <= 3
      THEN '达到Ⅲ类'
      WHEN g.m_0 >= 4 AND g.m_0 <= 6
      THEN '劣于Ⅲ类'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label
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
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s7 AS g
)
SELECT
  g.scenario,
  'share' AS rule,
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
    CASE WHEN g.a IS NULL THEN '数据缺失' END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'share',
    'file',
    'rules/examples/ratio_parameters.rule',
    'line',
    18,
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
      'pool',
      CAST(g.prm_1 AS TEXT),
      'upstream_share',
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

-- rule cod_band (ratio_parameters.rule:26) COD 超标超过八分之一倍时扣缴
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
        v.name = 'pool') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'upstream_share') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'band') AS prm_3
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
    ROUND_HALF_EVEN(g.prm_3, 10) AS e3_0
  FROM grid AS g
), s4 AS (
  SELECT
    g.*,
    CASE
      WHEN EDIV(
        (
          SELECT
            v1.value
          FROM ev_values AS v1
          WHERE
            (
              v1.kind = 'month' AND v1.section_id = g.section_id AND v1.period = g.period_start
            )
            AND v1.indicator = 'COD'
        ) - LIMIT_OF('COD', g.water_body, 3),
        LIMIT_OF('COD', g.water_body, 3)
      ) IS NULL
      THEN NULL
      WHEN ROUND_HALF_EVEN(
        EDIV(
          (
            SELECT
              v1.value
            FROM ev_values AS v1
            WHERE
              (
                v1.kind = 'month' AND v1.section_id = g.section_id AND v1.period = g.period_start
              )
              AND v1.indicator = 'COD'
          ) - LIMIT_OF('COD', g.water_body, 3),
          LIMIT_OF('COD', g.water_body, 3)
        ),
        10
      ) <= g.e3_0
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN ROUND_HALF_EVEN(
        EDIV(
          (
            SELECT
              v1.value
            FROM ev_values AS v1
            WHERE
              (
                v1.kind = 'month' AND v1.section_id = g.section_id AND v1.period = g.period_start
              )
              AND v1.indicator = 'COD'
          ) - LIMIT_OF('COD', g.water_body, 3),
          LIMIT_OF('COD', g.water_body, 3)
        ),
        10
      ) > g.e3_0
      THEN CAST((
        g.prm_1
      ) * (
        g.prm_2
      ) AS DECIMAL(38, 12))
    END AS a_raw,
    CASE
      WHEN ROUND_HALF_EVEN(
        EDIV(
          (
            SELECT
              v2.value
            FROM ev_values AS v2
            WHERE
              (
                v2.kind = 'month' AND v2.section_id = g.section_id AND v2.period = g.period_start
              )
              AND v2.indicator = 'COD'
          ) - LIMIT_OF('COD', g.water_body, 3),
          LIMIT_OF('COD', g.water_body, 3)
        ),
        10
      ) <= g.e3_0
      THEN '(.., band]'
      WHEN ROUND_HALF_EVEN(
        EDIV(
          (
            SELECT
              v2.value
            FROM ev_values AS v2
            WHERE
              (
                v2.kind = 'month' AND v2.section_id = g.section_id AND v2.period = g.period_start
              )
              AND v2.indicator = 'COD'
          ) - LIMIT_OF('COD', g.water_body, 3),
          LIMIT_OF('COD', g.water_body, 3)
        ),
        10
      ) > g.e3_0
      THEN '(band, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN ROUND_HALF_EVEN(
        EDIV(
          (
            SELECT
              v2.value
            FROM ev_values AS v2
            WHERE
              (
                v2.kind = 'month' AND v2.section_id = g.section_id AND v2.period = g.period_start
              )
              AND v2.indicator = 'COD'
          ) - LIMIT_OF('COD', g.water_body, 3),
          LIMIT_OF('COD', g.water_body, 3)
        ),
        10
      ) <= g.e3_0
      THEN '不超过八分之一倍'
      WHEN ROUND_HALF_EVEN(
        EDIV(
          (
            SELECT
              v2.value
            FROM ev_values AS v2
            WHERE
              (
                v2.kind = 'month' AND v2.section_id = g.section_id AND v2.period = g.period_start
              )
              AND v2.indicator = 'COD'
          ) - LIMIT_OF('COD', g.water_body, 3),
          LIMIT_OF('COD', g.water_body, 3)
        ),
        10
      ) > g.e3_0
      THEN '超过八分之一倍'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s5 AS g
)
SELECT
  g.scenario,
  'cod_band' AS rule,
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
    CASE WHEN g.a IS NULL THEN '数据缺失' END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'cod_band',
    'file',
    'rules/examples/ratio_parameters.rule',
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
    JSON_OBJECT(
      'band',
      CAST(g.prm_3 AS TEXT),
      'pool',
      CAST(g.prm_1 AS TEXT),
      'upstream_share',
      CAST(g.prm_2 AS TEXT)
    ),
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
FROM s6 AS g
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
