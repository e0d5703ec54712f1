-- rule flux (p5_flux.rule:18) 超标通量补偿
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
        v.name = 'price_codmn') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'price_nh3n') AS prm_2
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
    g.*,
    CAST((
      (
        SELECT
          v1.value
        FROM ev_values AS v1
        WHERE
          (
            v1.kind = 'month' AND v1.section_id = g.section_id AND v1.period = g.period_start
          )
          AND v1.indicator = 'FLOW'
      )
    ) * (
      CAST(CAST(g.days AS DECIMAL(38, 12)) * 86400 AS DECIMAL(38, 12))
    ) AS DECIMAL(38, 12)) AS m_0
  FROM cells AS g
), s4 AS (
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
), s5 AS (
  SELECT
    g.*,
    k.m_0
  FROM s4 AS g
  JOIN s3 AS k
    ON k.cell = g.cell
), s6 AS (
  SELECT
    g.*,
    CAST((
      (
        SELECT
          CASE
            WHEN mm2.x0 IS NULL OR mm2.x1 IS NULL
            THEN NULL
            ELSE CASE
              WHEN mm2.x0 IS NULL OR mm2.x1 IS NULL
              THEN NULL
              ELSE GREATEST(mm2.x0, mm2.x1)
            END
          END
        FROM (
          SELECT
            (
              (
                SELECT
                  v3.value
                FROM ev_values AS v3
                WHERE
                  (
                    v3.kind = 'month' AND v3.section_id = g.section_id AND v3.period = g.period_start
                  )
                  AND v3.indicator = 'CODMn'
              )
            ) - (
              LIMIT_OF('CODMn', g.water_body, g.prm_0)
            ) AS x0,
            CAST(0 AS DECIMAL(38, 12)) AS x1
        ) AS mm2
      )
    ) * (
      g.m_0
    ) AS DECIMAL(38, 12)) AS m_1
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    CAST((
      (
        SELECT
          CASE
            WHEN mm4.x0 IS NULL OR mm4.x1 IS NULL
            THEN NULL
            ELSE CASE
              WHEN mm4.x0 IS NULL OR mm4.x1 IS NULL
              THEN NULL
              ELSE GREATEST(mm4.x0, mm4.x1)
            END
          END
        FROM (
          SELECT
            (
              (
                SELECT
                  v5.value
                FROM ev_values AS v5
                WHERE
                  (
                    v5.kind = 'month' AND v5.section_id = g.section_id AND v5.period = g.period_start
                  )
                  AND v5.indicator = 'NH3N'
              )
            ) - (
              LIMIT_OF('NH3N', g.water_body, g.prm_0)
            ) AS x0,
            CAST(0 AS DECIMAL(38, 12)) AS x1
        ) AS mm4
      )
    ) * (
      g.m_0
    ) AS DECIMAL(38, 12)) AS m_2
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    k.m_1,
    k.m_2
  FROM grid AS g
  JOIN s7 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s9 AS (
  SELECT
    g.*,
    CAST((
      CAST((
        g.m_1
      ) * (
        g.prm_1
      ) AS DECIMAL(38, 12))
    ) + (
      CAST((
        g.m_2
      ) * (
        g.prm_2
      ) AS DECIMAL(38, 12))
    ) AS DECIMAL(38, 12)) AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
  FROM s8 AS g
), s10 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s9 AS g
), s11 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s10 AS g
)
SELECT
  g.scenario,
  'flux' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN 'downstream' ELSE g.party_id END AS payer,
  CASE WHEN g.a < 0 THEN g.party_id ELSE 'downstream' END AS payee,
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
    'flux',
    'file',
    'rules/examples/p5_flux.rule',
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
      'price_codmn',
      CAST(g.prm_1 AS TEXT),
      'price_nh3n',
      CAST(g.prm_2 AS TEXT),
      'target',
      CAST(g.prm_0 AS TEXT)
    ),
    'measures',
    JSON_OBJECT('load_codmn', CAST(g.m_1 AS TEXT), 'load_nh3n', CAST(g.m_2 AS TEXT)),
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
FROM s11 AS g
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
