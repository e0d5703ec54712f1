-- rule flux (p5_flux.rule:18) 超标通量补偿
WITH grid AS (
  SELECT
    sc.scenario,
    s.section_id,
    s.party_id,
    s.control_id,
    s.water_body,
    cs.party_id AS control_party_id,
    p.period_start,
    p.period_end,
    p.year_start,
    p.param_month,
    p.days,
    p.in_window
  FROM ev_scenarios AS sc
  CROSS JOIN ev_periods AS p
  JOIN ev_sections AS s
    ON s.valid_from <= p.period_end
    AND (
      s.valid_to IS NULL OR s.valid_to >= p.period_start
    )
  LEFT JOIN ev_sections AS cs
    ON cs.section_id = s.control_id
  WHERE
    p.kind = 'month' AND s.role = 'assessed'
), s1 AS (
  SELECT
    g.*,
    (
      SELECT
        p1.num
      FROM ev_params AS p1
      WHERE
        p1.scenario = g.scenario AND p1.name = 'target' AND p1.month = g.param_month
    ) AS prm_0,
    (
      SELECT
        p2.num
      FROM ev_params AS p2
      WHERE
        p2.scenario = g.scenario AND p2.name = 'price_codmn' AND p2.month = g.param_month
    ) AS prm_1,
    (
      SELECT
        p3.num
      FROM ev_params AS p3
      WHERE
        p3.scenario = g.scenario AND p3.name = 'price_nh3n' AND p3.month = g.param_month
    ) AS prm_2
  FROM grid AS g
), s2 AS (
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
                  AND v5.indicator = 'CODMn'
              )
            ) - (
              (
                SELECT
                  lim6."limit"
                FROM gb3838_limits AS lim6
                WHERE
                  lim6.indicator = 'CODMn'
                  AND lim6.water_body = g.water_body
                  AND lim6.class = g.prm_0
              )
            ) AS x0,
            CAST(0 AS DECIMAL(38, 12)) AS x1
        ) AS mm4
      )
    ) * (
      CAST((
        (
          SELECT
            v7.value
          FROM ev_values AS v7
          WHERE
            (
              v7.kind = 'month' AND v7.section_id = g.section_id AND v7.period = g.period_start
            )
            AND v7.indicator = 'FLOW'
        )
      ) * (
        CAST(CAST(DATE_DIFF('DAY', g.period_start, g.period_end) + 1 AS DECIMAL(38, 12)) * 86400 AS DECIMAL(38, 12))
      ) AS DECIMAL(38, 12))
    ) AS DECIMAL(38, 12)) AS m_0,
    CAST((
      (
        SELECT
          CASE
            WHEN mm8.x0 IS NULL OR mm8.x1 IS NULL
            THEN NULL
            ELSE CASE
              WHEN mm8.x0 IS NULL OR mm8.x1 IS NULL
              THEN NULL
              ELSE GREATEST(mm8.x0, mm8.x1)
            END
          END
        FROM (
          SELECT
            (
              (
                SELECT
                  v9.value
                FROM ev_values AS v9
                WHERE
                  (
                    v9.kind = 'month' AND v9.section_id = g.section_id AND v9.period = g.period_start
                  )
                  AND v9.indicator = 'NH3N'
              )
            ) - (
              (
                SELECT
                  lim10."limit"
                FROM gb3838_limits AS lim10
                WHERE
                  lim10.indicator = 'NH3N'
                  AND lim10.water_body = g.water_body
                  AND lim10.class = g.prm_0
              )
            ) AS x0,
            CAST(0 AS DECIMAL(38, 12)) AS x1
        ) AS mm8
      )
    ) * (
      CAST((
        (
          SELECT
            v11.value
          FROM ev_values AS v11
          WHERE
            (
              v11.kind = 'month'
              AND v11.section_id = g.section_id
              AND v11.period = g.period_start
            )
            AND v11.indicator = 'FLOW'
        )
      ) * (
        CAST(CAST(DATE_DIFF('DAY', g.period_start, g.period_end) + 1 AS DECIMAL(38, 12)) * 86400 AS DECIMAL(38, 12))
      ) AS DECIMAL(38, 12))
    ) AS DECIMAL(38, 12)) AS m_1
  FROM s1 AS g
), s3 AS (
  SELECT
    g.*,
    CAST((
      CAST((
        g.m_0
      ) * (
        g.prm_1
      ) AS DECIMAL(38, 12))
    ) + (
      CAST((
        g.m_1
      ) * (
        g.prm_2
      ) AS DECIMAL(38, 12))
    ) AS DECIMAL(38, 12)) AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
  FROM s2 AS g
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
    JSON_OBJECT('load_codmn', CAST(g.m_0 AS TEXT), 'load_nh3n', CAST(g.m_1 AS TEXT)),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT(),
    'values',
    (
      SELECT
        CAST('{' || LISTAGG(
          
            TO_JSON(v12.indicator) || ':' || COALESCE(CAST(TO_JSON(CAST(v12.value AS TEXT)) AS TEXT), 'null'),
            ','
          
          ORDER BY
            v12.indicator
        ) || '}' AS JSON)
      FROM ev_values AS v12
      WHERE
        v12.kind = 'month'
        AND v12.section_id = g.section_id
        AND v12.period = g.period_start
    ),
    'classes',
    (
      SELECT
        CAST('{' || LISTAGG(
          
            TO_JSON(v13.indicator) || ':' || COALESCE(CAST(TO_JSON(CAST(v13.class AS TEXT)) AS TEXT), 'null'),
            ','
          
          ORDER BY
            v13.indicator
        ) || '}' AS JSON)
      FROM ev_values AS v13
      WHERE
        v13.kind = 'month'
        AND v13.section_id = g.section_id
        AND v13.period = g.period_start
    ),
    'amount_computed',
    CAST(g.a_raw AS TEXT),
    'amount_after_exceptions',
    CAST(g.a_exc AS TEXT),
    'amount_signed',
    CAST(g.a AS TEXT),
    'branch_label',
    g.branch_label
  ) AS JSON) AS trace
FROM s5 AS g
WHERE
  g.in_window
ORDER BY
  scenario NULLS FIRST,
  period_start NULLS FIRST,
  section_id NULLS FIRST,
  payer NULLS FIRST,
  payee NULLS FIRST;
