-- rule yunnan_allocation (boundary_section_pool.rule:22) 云南份额：清水铺断面达标才拨付
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
    (
      p.kind = 'year' AND s.role = 'assessed'
    ) AND s.section_id = 'qingshuipu'
), prm AS MATERIALIZED (
  SELECT
    g.scenario,
    g.param_month,
    v.prm_0,
    v.prm_1,
    v.prm_2,
    v.prm_3,
    v.prm_4,
    v.prm_5
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
        v.name = 'pool_total') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'yunnan_share') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'guizhou_share') AS prm_4,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'sichuan_share') AS prm_5
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
    p.prm_3,
    p.prm_4,
    p.prm_5
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
        v1.kind = 'year'
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
    CASE g.m_0 <= g.prm_1
      WHEN TRUE
      THEN CAST((
        g.prm_2
      ) * (
        g.prm_3
      ) AS DECIMAL(38, 12))
      WHEN FALSE
      THEN CAST(0 AS DECIMAL(38, 12))
    END AS a_raw,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN '省界断面达标' WHEN FALSE THEN '省界断面未达标' END AS branch,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN '省界断面达标' WHEN FALSE THEN '省界断面未达标' END AS branch_label
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
  'yunnan_allocation' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN 'yunnan' ELSE 'pool' END AS payer,
  CASE WHEN g.a < 0 THEN 'pool' ELSE 'yunnan' END AS payee,
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
    'yunnan_allocation',
    'file',
    'rules/examples/boundary_section_pool.rule',
    'line',
    22,
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
      'pool_total',
      CAST(g.prm_2 AS TEXT),
      'target',
      CAST(g.prm_1 AS TEXT),
      'yunnan_share',
      CAST(g.prm_3 AS TEXT)
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

-- rule upstream_allocation (boundary_section_pool.rule:29) 贵州、四川份额：各自的赤水河省界断面达标才拨付
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
    (
      p.kind = 'year' AND s.role = 'assessed'
    )
    AND (
      (
        (
          COALESCE(
            (
              SELECT
                sa1.river
              FROM ev_sections AS sa1
              WHERE
                sa1.section_id = s.section_id
            ),
            ''
          ) = '赤水河'
        )
        AND (
          COALESCE(
            (
              SELECT
                sa2.party_id
              FROM ev_sections AS sa2
              WHERE
                sa2.section_id = s.section_id
            ),
            ''
          ) <> 'yunnan'
        )
      )
      AND (
        COALESCE(
          (
            SELECT
              sa3.party_kind
            FROM ev_sections AS sa3
            WHERE
              sa3.section_id = s.section_id
          ),
          ''
        ) = 'province'
      )
    )
), prm AS MATERIALIZED (
  SELECT
    g.scenario,
    g.param_month,
    v.prm_0,
    v.prm_1,
    v.prm_2,
    v.prm_3,
    v.prm_4,
    v.prm_5
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
        v.name = 'pool_total') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'yunnan_share') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'guizhou_share') AS prm_4,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'sichuan_share') AS prm_5
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
    p.prm_3,
    p.prm_4,
    p.prm_5
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
        MAX(v4.class)
      FROM ev_values AS v4
      WHERE
        v4.kind = 'year'
        AND v4.section_id = g.section_id
        AND v4.period = g.period_start
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v4.indicator
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
    CASE g.m_0 <= g.prm_1
      WHEN TRUE
      THEN CAST((
        g.prm_2
      ) * (
        CASE COALESCE(
            (
              SELECT
                sa5.party_id
              FROM ev_sections AS sa5
              WHERE
                sa5.section_id = g.section_id
            ),
            ''
          ) = 'guizhou'
          WHEN TRUE
          THEN g.prm_4
          WHEN FALSE
          THEN g.prm_5
        END
      ) AS DECIMAL(38, 12))
      WHEN FALSE
      THEN CAST(0 AS DECIMAL(38, 12))
    END AS a_raw,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN '省界断面达标' WHEN FALSE THEN '省界断面未达标' END AS branch,
    CASE g.m_0 <= g.prm_1 WHEN TRUE THEN '省界断面达标' WHEN FALSE THEN '省界断面未达标' END AS branch_label
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
  'upstream_allocation' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN g.party_id ELSE 'pool' END AS payer,
  CASE WHEN g.a < 0 THEN 'pool' ELSE g.party_id END AS payee,
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
    'upstream_allocation',
    'file',
    'rules/examples/boundary_section_pool.rule',
    'line',
    29,
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
      'guizhou_share',
      CAST(g.prm_4 AS TEXT),
      'inds',
      CAST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END AS TEXT),
      'pool_total',
      CAST(g.prm_2 AS TEXT),
      'sichuan_share',
      CAST(g.prm_5 AS TEXT),
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
    ON tv_section_id.kind = 'year'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;
