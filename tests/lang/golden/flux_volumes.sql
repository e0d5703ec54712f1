-- rule by_daily_flow (flux_volumes.rule:23) 按逐日流量折算的水量
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
        v.name = 'target') AS prm_0,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'price_nh3n') AS prm_1
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
        CASE
          WHEN mm1.x0 IS NULL OR mm1.x1 IS NULL
          THEN NULL
          ELSE CASE
            WHEN mm1.x0 IS NULL OR mm1.x1 IS NULL
            THEN NULL
            ELSE GREATEST(mm1.x0, mm1.x1)
          END
        END
      FROM (
        SELECT
          (
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
          ) - (
            LIMIT_OF('NH3N', g.water_body, g.prm_0)
          ) AS x0,
          CAST(0 AS DECIMAL(38, 12)) AS x1
      ) AS mm1
    ) AS m_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      SELECT
        w3.volume
      FROM ev_volumes AS w3
      WHERE
        w3.kind = 'month'
        AND w3.section_id = g.section_id
        AND w3.period = g.period_start
        AND w3.basis = 'daily'
    ) AS m_1
  FROM cells AS g
), s6 AS (
  SELECT
    g.*,
    k.m_0
  FROM grid AS g
  JOIN s4 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    k.m_1
  FROM s6 AS g
  JOIN s5 AS k
    ON k.cell = g.cell
), s8 AS (
  SELECT
    g.*,
    CAST((
      CAST((
        g.m_0
      ) * (
        g.m_1
      ) AS DECIMAL(38, 12))
    ) * (
      g.prm_1
    ) AS DECIMAL(38, 12)) AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
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
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s9 AS g
)
SELECT
  g.scenario,
  'by_daily_flow' AS rule,
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
    'by_daily_flow',
    'file',
    'rules/examples/flux_volumes.rule',
    'line',
    23,
    'basis',
    '示例：方案原文“月水量为逐日平均流量乘以86400秒之和”',
    'section',
    g.section_id,
    'control',
    g.control_id,
    'period_start',
    CAST(g.period_start AS TEXT),
    'param_month',
    CAST(g.param_month AS TEXT),
    'params',
    JSON_OBJECT('price_nh3n', CAST(g.prm_1 AS TEXT), 'target', CAST(g.prm_0 AS TEXT)),
    'measures',
    JSON_OBJECT('daily_volume', CAST(g.m_1 AS TEXT), 'excess', CAST(g.m_0 AS TEXT)),
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
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;

-- rule by_mean_flow (flux_volumes.rule:29) 按月平均流量折算的水量
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
        v.name = 'target') AS prm_0,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'price_nh3n') AS prm_1
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
        CASE
          WHEN mm1.x0 IS NULL OR mm1.x1 IS NULL
          THEN NULL
          ELSE CASE
            WHEN mm1.x0 IS NULL OR mm1.x1 IS NULL
            THEN NULL
            ELSE GREATEST(mm1.x0, mm1.x1)
          END
        END
      FROM (
        SELECT
          (
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
          ) - (
            LIMIT_OF('NH3N', g.water_body, g.prm_0)
          ) AS x0,
          CAST(0 AS DECIMAL(38, 12)) AS x1
      ) AS mm1
    ) AS m_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      SELECT
        w3.volume
      FROM ev_volumes AS w3
      WHERE
        w3.kind = 'month'
        AND w3.section_id = g.section_id
        AND w3.period = g.period_start
        AND w3.basis = 'period'
    ) AS m_1
  FROM cells AS g
), s6 AS (
  SELECT
    g.*,
    k.m_0
  FROM grid AS g
  JOIN s4 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    k.m_1
  FROM s6 AS g
  JOIN s5 AS k
    ON k.cell = g.cell
), s8 AS (
  SELECT
    g.*,
    CAST((
      CAST((
        g.m_0
      ) * (
        g.m_1
      ) AS DECIMAL(38, 12))
    ) * (
      g.prm_1
    ) AS DECIMAL(38, 12)) AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
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
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s9 AS g
)
SELECT
  g.scenario,
  'by_mean_flow' AS rule,
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
    'by_mean_flow',
    'file',
    'rules/examples/flux_volumes.rule',
    'line',
    29,
    'basis',
    '示例：方案原文“月水量为月平均流量乘以当月秒数”',
    'section',
    g.section_id,
    'control',
    g.control_id,
    'period_start',
    CAST(g.period_start AS TEXT),
    'param_month',
    CAST(g.param_month AS TEXT),
    'params',
    JSON_OBJECT('price_nh3n', CAST(g.prm_1 AS TEXT), 'target', CAST(g.prm_0 AS TEXT)),
    'measures',
    JSON_OBJECT('excess', CAST(g.m_0 AS TEXT), 'mean_volume', CAST(g.m_1 AS TEXT)),
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
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;

-- rule by_measured_volume (flux_volumes.rule:35) 按实测径流量
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
        v.name = 'target') AS prm_0,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'price_nh3n') AS prm_1
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
        CASE
          WHEN mm1.x0 IS NULL OR mm1.x1 IS NULL
          THEN NULL
          ELSE CASE
            WHEN mm1.x0 IS NULL OR mm1.x1 IS NULL
            THEN NULL
            ELSE GREATEST(mm1.x0, mm1.x1)
          END
        END
      FROM (
        SELECT
          (
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
          ) - (
            LIMIT_OF('NH3N', g.water_body, g.prm_0)
          ) AS x0,
          CAST(0 AS DECIMAL(38, 12)) AS x1
      ) AS mm1
    ) AS m_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      SELECT
        w3.volume
      FROM ev_volumes AS w3
      WHERE
        w3.kind = 'month'
        AND w3.section_id = g.section_id
        AND w3.period = g.period_start
        AND w3.basis = 'measured'
    ) AS m_1
  FROM cells AS g
), s6 AS (
  SELECT
    g.*,
    k.m_0
  FROM grid AS g
  JOIN s4 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    k.m_1
  FROM s6 AS g
  JOIN s5 AS k
    ON k.cell = g.cell
), s8 AS (
  SELECT
    g.*,
    CAST((
      CAST((
        g.m_0
      ) * (
        g.m_1
      ) AS DECIMAL(38, 12))
    ) * (
      g.prm_1
    ) AS DECIMAL(38, 12)) AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
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
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s9 AS g
)
SELECT
  g.scenario,
  'by_measured_volume' AS rule,
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
    'by_measured_volume',
    'file',
    'rules/examples/flux_volumes.rule',
    'line',
    35,
    'basis',
    '示例：方案原文“水量以水文部门公布的月径流量为准”',
    'section',
    g.section_id,
    'control',
    g.control_id,
    'period_start',
    CAST(g.period_start AS TEXT),
    'param_month',
    CAST(g.param_month AS TEXT),
    'params',
    JSON_OBJECT('price_nh3n', CAST(g.prm_1 AS TEXT), 'target', CAST(g.prm_0 AS TEXT)),
    'measures',
    JSON_OBJECT('excess', CAST(g.m_0 AS TEXT), 'measured_volume', CAST(g.m_1 AS TEXT)),
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
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;
