-- rule yoy (p8_change_and_pools.rule:19) COD 同比变化
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
        v.name = 'per_point_better') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_point_worse') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'change_cap') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'score_pool') AS prm_4,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'chishui_pool') AS prm_5
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
    g.*,
    EDIV(
      (
        (
          (
            SELECT
              v1.value
            FROM ev_values AS v1
            WHERE
              (
                v1.kind = 'year' AND v1.section_id = g.section_id AND v1.period = g.period_start
              )
              AND v1.indicator = 'COD'
          )
        ) - (
          (
            SELECT
              v2.value
            FROM ev_values AS v2
            WHERE
              (
                v2.kind = 'year'
                AND v2.section_id = g.section_id
                AND v2.period = CAST(g.period_start - INTERVAL '1' YEAR AS DATE)
              )
              AND v2.indicator = 'COD'
          )
        )
      ),
      (
        (
          SELECT
            v3.value
          FROM ev_values AS v3
          WHERE
            (
              v3.kind = 'year'
              AND v3.section_id = g.section_id
              AND v3.period = CAST(g.period_start - INTERVAL '1' YEAR AS DATE)
            )
            AND v3.indicator = 'COD'
        )
      )
    ) AS l_0
  FROM cells AS g
), s4 AS (
  SELECT
    g.*,
    k.l_0
  FROM grid AS g
  JOIN s3 AS k
    ON k.cell = g.cell
), s5 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.l_0, 10) AS e4_0,
    EDIV((
      -(
        g.l_0
      )
    ), (
      CAST(0.01 AS DECIMAL(38, 12))
    )) AS e4_1
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    CASE
      WHEN g.l_0 IS NULL
      THEN NULL
      WHEN g.e4_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN CAST((
        g.e4_1
      ) * (
        g.prm_1
      ) AS DECIMAL(38, 12))
      WHEN g.e4_0 > CAST(0 AS DECIMAL(38, 12))
      THEN CAST((
        g.e4_1
      ) * (
        g.prm_2
      ) AS DECIMAL(38, 12))
    END AS a_raw,
    CASE
      WHEN g.e4_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '(.., 0]'
      WHEN g.e4_0 > CAST(0 AS DECIMAL(38, 12))
      THEN '(0, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e4_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN '改善'
      WHEN g.e4_0 > CAST(0 AS DECIMAL(38, 12))
      THEN '恶化'
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
    CAST(CASE
      WHEN g.a_exc IS NULL
      THEN NULL
      ELSE CASE
        WHEN CASE
          WHEN SUM(COALESCE(g.a_exc, 0)) OVER (
            PARTITION BY g.scenario, g.section_id, g.year_start
            ORDER BY g.period_start, g.section_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
          ) IS NULL
          OR g.prm_3 IS NULL
          THEN NULL
          ELSE LEAST(
            SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.section_id, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ),
            g.prm_3
          )
        END IS NULL
        OR -(
          g.prm_3
        ) IS NULL
        THEN NULL
        ELSE GREATEST(
          CASE
            WHEN SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.section_id, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) IS NULL
            OR g.prm_3 IS NULL
            THEN NULL
            ELSE LEAST(
              SUM(COALESCE(g.a_exc, 0)) OVER (
                PARTITION BY g.scenario, g.section_id, g.year_start
                ORDER BY g.period_start, g.section_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ),
              g.prm_3
            )
          END,
          -(
            g.prm_3
          )
        )
      END - CASE
        WHEN CASE
          WHEN (
            SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.section_id, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) - COALESCE(g.a_exc, 0)
          ) IS NULL
          OR g.prm_3 IS NULL
          THEN NULL
          ELSE LEAST(
            SUM(COALESCE(g.a_exc, 0)) OVER (
              PARTITION BY g.scenario, g.section_id, g.year_start
              ORDER BY g.period_start, g.section_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) - COALESCE(g.a_exc, 0),
            g.prm_3
          )
        END IS NULL
        OR -(
          g.prm_3
        ) IS NULL
        THEN NULL
        ELSE GREATEST(
          CASE
            WHEN (
              SUM(COALESCE(g.a_exc, 0)) OVER (
                PARTITION BY g.scenario, g.section_id, g.year_start
                ORDER BY g.period_start, g.section_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ) - COALESCE(g.a_exc, 0)
            ) IS NULL
            OR g.prm_3 IS NULL
            THEN NULL
            ELSE LEAST(
              SUM(COALESCE(g.a_exc, 0)) OVER (
                PARTITION BY g.scenario, g.section_id, g.year_start
                ORDER BY g.period_start, g.section_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ) - COALESCE(g.a_exc, 0),
              g.prm_3
            )
          END,
          -(
            g.prm_3
          )
        )
      END
    END AS DECIMAL(38, 12)) AS a_cap0,
    g.prm_3 AS a_cap0_limit
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    CASE
      WHEN NOT g.a_exc IS NULL AND ROUND_HALF_UP(g.a_cap0, 2) <> ROUND_HALF_UP(g.a_exc, 2)
      THEN '每断面年度上限 change_cap = ' || CAST(CAST(ROUND_HALF_UP(ABS(g.a_cap0_limit), 2) AS DECIMAL(18, 2)) AS TEXT) || '元：由 ' || CAST(CAST(ROUND_HALF_UP(ABS(g.a_exc), 2) AS DECIMAL(18, 2)) AS TEXT) || '元减至 ' || CAST(CAST(ROUND_HALF_UP(ABS(g.a_cap0), 2) AS DECIMAL(18, 2)) AS TEXT) || '元'
    END AS a_cap0_reason
  FROM s8 AS g
), s10 AS (
  SELECT
    g.*,
    CAST(g.a_cap0 AS DECIMAL(38, 12)) AS a
  FROM s9 AS g
)
SELECT
  g.scenario,
  'yoy' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN g.party_id ELSE 'treasury' END AS payer,
  CASE WHEN g.a < 0 THEN 'treasury' ELSE g.party_id END AS payee,
  CAST(ROUND_HALF_UP(ABS(COALESCE(g.a, 0)), 2) AS DECIMAL(18, 2)) AS amount,
  g.branch,
  g.exc_label AS exception,
  COALESCE(
    NULLIF(CONCAT_WS('；', g.exc_reason, g.a_cap0_reason), ''),
    CASE WHEN g.a IS NULL THEN '数据缺失' END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'yoy',
    'file',
    'rules/examples/p8_change_and_pools.rule',
    'line',
    19,
    'basis',
    '示例（山东）',
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
      'change_cap',
      CAST(g.prm_3 AS TEXT),
      'per_point_better',
      CAST(g.prm_1 AS TEXT),
      'per_point_worse',
      CAST(g.prm_2 AS TEXT)
    ),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT('change', CAST(g.l_0 AS TEXT)),
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
    g.branch_label,
    'caps',
    JSON_ARRAY(
      JSON_OBJECT(
        'after',
        CAST(g.a_cap0 AS TEXT),
        'before',
        CAST(g.a_exc AS TEXT),
        'cap',
        'cap change_cap per section-year',
        'limit',
        CAST(g.a_cap0_limit AS TEXT)
      )
    )
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

-- rule by_score (p8_change_and_pools.rule:29) 资金池按得分分配
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
        v.name = 'per_point_better') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_point_worse') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'change_cap') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'score_pool') AS prm_4,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'chishui_pool') AS prm_5
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
    (
      6
    ) - (
      g.m_0
    ) AS l_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.m_0,
    k.l_0
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    CAST(ROUND_HALF_UP(
      FIRST(g.prm_4) OVER (
        PARTITION BY g.scenario, g.year_start
        ORDER BY g.period_start, g.section_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ),
      2
    ) * 100 AS INT128) AS sp2_f,
    COALESCE(DEC_UNITS(g.l_0), 0) AS sp2_w
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    g.sp2_f * g.sp2_w // NULLIF(SUM(g.sp2_w) OVER (PARTITION BY g.scenario, g.year_start), 0) AS sp2_base,
    g.sp2_f * g.sp2_w % NULLIF(SUM(g.sp2_w) OVER (PARTITION BY g.scenario, g.year_start), 0) AS sp2_rem
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    CAST(g.sp2_base + CASE
      WHEN ROW_NUMBER() OVER (
        PARTITION BY g.scenario, g.year_start
        ORDER BY g.sp2_rem DESC, g.period_start, g.section_id
      ) <= g.sp2_f - SUM(g.sp2_base) OVER (PARTITION BY g.scenario, g.year_start)
      THEN 1
      ELSE 0
    END AS DECIMAL(38, 0)) * CAST(0.01 AS DECIMAL(38, 12)) AS sp2
  FROM s8 AS g
), s10 AS (
  SELECT
    g.*,
    g.sp2 AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label
  FROM s9 AS g
), s11 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s10 AS g
), s12 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s11 AS g
)
SELECT
  g.scenario,
  'by_score' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN g.party_id ELSE 'treasury' END AS payer,
  CASE WHEN g.a < 0 THEN 'treasury' ELSE g.party_id END AS payee,
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
    'by_score',
    'file',
    'rules/examples/p8_change_and_pools.rule',
    'line',
    29,
    'basis',
    '示例（十堰）',
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
      'score_pool',
      CAST(g.prm_4 AS TEXT)
    ),
    'measures',
    JSON_OBJECT('section_class', CAST(g.m_0 AS TEXT)),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT('score', CAST(g.l_0 AS TEXT)),
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
FROM s12 AS g
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

-- rule contributions (p8_change_and_pools.rule:36) 赤水河三省出资 1:5:4 入池（示例用 1:1:1 以演示最大余数）
WITH cells AS MATERIALIZED (
  SELECT
    CAST(NULL AS TEXT) AS section_id,
    CAST(NULL AS TEXT) AS party_id,
    CAST(NULL AS TEXT) AS control_id,
    'river' AS water_body,
    CAST(NULL AS TEXT) AS control_party_id,
    CAST(NULL AS TEXT) AS control_water_body,
    p.period_start,
    p.period_end,
    p.year_start,
    p.param_month,
    p.days,
    p.in_window,
    ROW_NUMBER() OVER (ORDER BY p.period_start) AS cell
  FROM ev_periods AS p
  WHERE
    p.kind = 'year'
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
        v.name = 'per_point_better') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_point_worse') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'change_cap') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'score_pool') AS prm_4,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'chishui_pool') AS prm_5
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
    g.*,
    g.prm_5 AS a_raw,
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
      DEC_UNITS(CAST(1 AS DECIMAL(38, 12))),
      DEC_UNITS(CAST(1 AS DECIMAL(38, 12))),
      DEC_UNITS(CAST(1 AS DECIMAL(38, 12)))
    ] AS w_list,
    ['yunnan', 'guizhou', 'sichuan'] AS p_list
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    sh.k,
    LIST_EXTRACT(g.p_list, CAST(sh.k AS INT)) AS share_party,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) // LIST_SUM(g.w_list) AS base,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) % LIST_SUM(g.w_list) AS rem
  FROM s6 AS g
  CROSS JOIN RANGE(1, 4) AS sh(k)
)
SELECT
  g.scenario,
  'contributions' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN 'pool' ELSE g.share_party END AS payer,
  CASE WHEN g.a < 0 THEN g.share_party ELSE 'pool' END AS payee,
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
    'contributions',
    'file',
    'rules/examples/p8_change_and_pools.rule',
    'line',
    36,
    'basis',
    '示例（赤水河）',
    'section',
    g.section_id,
    'control',
    g.control_id,
    'period_start',
    CAST(g.period_start AS TEXT),
    'param_month',
    CAST(g.param_month AS TEXT),
    'params',
    JSON_OBJECT('chishui_pool', CAST(g.prm_5 AS TEXT)),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT(),
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
WHERE
  g.in_window;

-- rule allocation (p8_change_and_pools.rule:42) 赤水河资金池按 3:4:3 分配
WITH cells AS MATERIALIZED (
  SELECT
    CAST(NULL AS TEXT) AS section_id,
    CAST(NULL AS TEXT) AS party_id,
    CAST(NULL AS TEXT) AS control_id,
    'river' AS water_body,
    CAST(NULL AS TEXT) AS control_party_id,
    CAST(NULL AS TEXT) AS control_water_body,
    p.period_start,
    p.period_end,
    p.year_start,
    p.param_month,
    p.days,
    p.in_window,
    ROW_NUMBER() OVER (ORDER BY p.period_start) AS cell
  FROM ev_periods AS p
  WHERE
    p.kind = 'year'
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
        v.name = 'per_point_better') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_point_worse') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'change_cap') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'score_pool') AS prm_4,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'chishui_pool') AS prm_5
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
    g.*,
    g.prm_5 AS a_raw,
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
      DEC_UNITS(CAST(3 AS DECIMAL(38, 12))),
      DEC_UNITS(CAST(4 AS DECIMAL(38, 12))),
      DEC_UNITS(CAST(3 AS DECIMAL(38, 12)))
    ] AS w_list,
    ['yunnan', 'guizhou', 'sichuan'] AS p_list
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    sh.k,
    LIST_EXTRACT(g.p_list, CAST(sh.k AS INT)) AS share_party,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) // LIST_SUM(g.w_list) AS base,
    g.a_fen * LIST_EXTRACT(g.w_list, CAST(sh.k AS INT)) % LIST_SUM(g.w_list) AS rem
  FROM s6 AS g
  CROSS JOIN RANGE(1, 4) AS sh(k)
)
SELECT
  g.scenario,
  'allocation' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN g.share_party ELSE 'pool' END AS payer,
  CASE WHEN g.a < 0 THEN 'pool' ELSE g.share_party END AS payee,
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
    'allocation',
    'file',
    'rules/examples/p8_change_and_pools.rule',
    'line',
    42,
    'basis',
    '示例（赤水河）',
    'section',
    g.section_id,
    'control',
    g.control_id,
    'period_start',
    CAST(g.period_start AS TEXT),
    'param_month',
    CAST(g.param_month AS TEXT),
    'params',
    JSON_OBJECT('chishui_pool', CAST(g.prm_5 AS TEXT)),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT(),
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
WHERE
  g.in_window;
