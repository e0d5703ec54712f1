-- rule steps (exceed_any_class.rule:19) 对目标类别的超标倍数，按倍数扣缴
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
        v.name = 'per_times') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'severe_amount') AS prm_3
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
    CASE WHEN q.present IS NULL THEN 0 ELSE q.v END AS q2
  FROM grid AS g
  LEFT JOIN (
    SELECT
      period_start,
      prm_0,
      prm_1,
      prm_2,
      section_id,
      water_body,
      CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE COALESCE(SUM(b), 0) END AS v,
      TRUE AS present
    FROM (
      SELECT
        g.period_start,
        g.prm_0,
        g.prm_1,
        g.prm_2,
        g.section_id,
        g.water_body,
        CAST((
          g.q2_xb_0
        ) * (
          g.prm_2
        ) AS DECIMAL(38, 12)) AS b
      FROM (
        SELECT
          g.*,
          (
            SELECT
              CASE
                WHEN mm3.x0 IS NULL OR mm3.x1 IS NULL
                THEN NULL
                ELSE CASE
                  WHEN mm3.x0 IS NULL OR mm3.x1 IS NULL
                  THEN NULL
                  ELSE GREATEST(mm3.x0, mm3.x1)
                END
              END
            FROM (
              SELECT
                EDIV(
                  (
                    SELECT
                      v4.value
                    FROM ev_values AS v4
                    WHERE
                      (
                        v4.kind = 'month' AND v4.section_id = g.section_id AND v4.period = g.period_start
                      )
                      AND v4.indicator = g.q2_x
                  ) - LIMIT_OF(g.q2_x, g.water_body, g.prm_1),
                  LIMIT_OF(g.q2_x, g.water_body, g.prm_1)
                ) AS x0,
                CAST(0 AS DECIMAL(38, 12)) AS x1
            ) AS mm3
          ) AS q2_xb_0
        FROM (
          SELECT
            g.*,
            UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS q2_x
          FROM (
            SELECT DISTINCT
              g.period_start,
              g.prm_0,
              g.prm_1,
              g.prm_2,
              g.section_id,
              g.water_body
            FROM grid AS g
          ) AS g
        ) AS g
      ) AS g
    ) AS r
    GROUP BY
      period_start,
      prm_0,
      prm_1,
      prm_2,
      section_id,
      water_body
  ) AS q
    ON q.period_start IS NOT DISTINCT FROM g.period_start
    AND q.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND q.prm_1 IS NOT DISTINCT FROM g.prm_1
    AND q.prm_2 IS NOT DISTINCT FROM g.prm_2
    AND q.section_id IS NOT DISTINCT FROM g.section_id
    AND q.water_body IS NOT DISTINCT FROM g.water_body
), s4 AS (
  SELECT
    g.*,
    g.q2 AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
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
  'steps' AS rule,
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
    'steps',
    'file',
    'rules/examples/exceed_any_class.rule',
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
      'per_times',
      CAST(g.prm_2 AS TEXT),
      'target',
      CAST(g.prm_1 AS TEXT)
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

-- rule severe (exceed_any_class.rule:25) 氨氮超过Ⅳ类另行扣缴
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
        v.name = 'per_times') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'severe_amount') AS prm_3
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
    EDIV(
      (
        SELECT
          v1.value
        FROM ev_values AS v1
        WHERE
          (
            v1.kind = 'month' AND v1.section_id = g.section_id AND v1.period = g.period_start
          )
          AND v1.indicator = 'NH3N'
      ) - LIMIT_OF('NH3N', g.water_body, 4),
      LIMIT_OF('NH3N', g.water_body, 4)
    ) AS m_0
  FROM cells AS g
), s4 AS (
  SELECT
    g.*,
    k.m_0
  FROM grid AS g
  JOIN s3 AS k
    ON k.cell = g.cell
), s5 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.m_0, 10) AS e2_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    CASE
      WHEN g.m_0 IS NULL
      THEN NULL
      WHEN g.e2_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.e2_0 > CAST(0 AS DECIMAL(38, 12))
      THEN g.prm_3
    END AS a_raw,
    CASE
      WHEN g.e2_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '(.., 0]'
      WHEN g.e2_0 > CAST(0 AS DECIMAL(38, 12))
      THEN '(0, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e2_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '未超过Ⅳ类'
      WHEN g.e2_0 > CAST(0 AS DECIMAL(38, 12))
      THEN '超过Ⅳ类'
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
  'severe' AS rule,
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
    'severe',
    'file',
    'rules/examples/exceed_any_class.rule',
    'line',
    25,
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
    JSON_OBJECT('severe_amount', CAST(g.prm_3 AS TEXT)),
    'measures',
    JSON_OBJECT('nh3n_over_iv', CAST(g.m_0 AS TEXT)),
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
