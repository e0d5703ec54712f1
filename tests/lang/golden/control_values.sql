-- rule class_steps (control_values.rule:18) 逐项类别较入境变差，每项每类扣缴
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
    v.prm_3,
    v.prm_4
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
        v.name = 'per_class') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_rise') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'peak_amount') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'worse_amount') AS prm_4
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
    p.prm_4
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
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
      SELECT
        COUNT(DISTINCT v1.indicator)
      FROM ev_values AS v1
      WHERE
        v1.kind = 'month'
        AND v1.section_id = g.control_id
        AND v1.period = g.period_start
        AND NOT v1.value IS NULL
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v1.indicator
        )
    ) AS mkl_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
      SELECT
        COUNT(DISTINCT v2.indicator)
      FROM ev_values AS v2
      WHERE
        v2.kind = 'month'
        AND v2.section_id = g.section_id
        AND v2.period = g.period_start
        AND NOT v2.value IS NULL
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v2.indicator
        )
    ) AS mklo_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.mkl_0,
    k.mklo_0
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    CASE WHEN q.present IS NULL THEN 0 ELSE q.v END AS q4
  FROM s6 AS g
  LEFT JOIN (
    SELECT
      control_id,
      period_start,
      prm_0,
      prm_1,
      section_id,
      CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE COALESCE(SUM(b), 0) END AS v,
      TRUE AS present
    FROM (
      SELECT
        g.control_id,
        g.period_start,
        g.prm_0,
        g.prm_1,
        g.section_id,
        CAST((
          g.q4_xb_0
        ) * (
          g.prm_1
        ) AS DECIMAL(38, 12)) AS b
      FROM (
        SELECT
          g.*,
          (
            SELECT
              CASE
                WHEN mm5.x0 IS NULL OR mm5.x1 IS NULL
                THEN NULL
                ELSE CASE
                  WHEN mm5.x0 IS NULL OR mm5.x1 IS NULL
                  THEN NULL
                  ELSE GREATEST(mm5.x0, mm5.x1)
                END
              END
            FROM (
              SELECT
                (
                  (
                    SELECT
                      v6.class
                    FROM ev_values AS v6
                    WHERE
                      (
                        v6.kind = 'month' AND v6.section_id = g.section_id AND v6.period = g.period_start
                      )
                      AND v6.indicator = g.q4_x
                  )
                ) - (
                  (
                    SELECT
                      v7.class
                    FROM ev_values AS v7
                    WHERE
                      (
                        v7.kind = 'month' AND v7.section_id = g.control_id AND v7.period = g.period_start
                      )
                      AND v7.indicator = g.q4_x
                  )
                ) AS x0,
                CAST(0 AS DECIMAL(38, 12)) AS x1
            ) AS mm5
          ) AS q4_xb_0
        FROM (
          SELECT
            g.*,
            UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS q4_x
          FROM (
            SELECT DISTINCT
              g.control_id,
              g.period_start,
              g.prm_0,
              g.prm_1,
              g.section_id
            FROM grid AS g
          ) AS g
        ) AS g
      ) AS g
    ) AS r
    GROUP BY
      control_id,
      period_start,
      prm_0,
      prm_1,
      section_id
  ) AS q
    ON q.control_id IS NOT DISTINCT FROM g.control_id
    AND q.period_start IS NOT DISTINCT FROM g.period_start
    AND q.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND q.prm_1 IS NOT DISTINCT FROM g.prm_1
    AND q.section_id IS NOT DISTINCT FROM g.section_id
), s8 AS (
  SELECT
    g.*,
    g.q4 AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label,
    CASE
      WHEN g.mkl_0
      THEN CASE WHEN g.mklo_0 THEN '数据缺失；' ELSE '' END || CASE
        WHEN g.control_id IS NULL
        THEN '无入境对照断面（control.class(i) for i in inds）'
        ELSE '入境对照断面 ' || g.control_id || ' 数据缺失（control.class(i) for i in inds）'
      END
    END AS a_why
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
  'class_steps' AS rule,
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
    CASE WHEN g.a IS NULL THEN COALESCE(g.a_why, '数据缺失') END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'class_steps',
    'file',
    'rules/examples/control_values.rule',
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
      'per_class',
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
    'control_values',
    tv.t_control_values.values,
    'control_classes',
    tv.t_control_values.classes,
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
    tv_section_id.t AS t_values,
    tv_control_id.t AS t_control_values
  FROM cells AS c
  LEFT JOIN ev_trace_values AS tv_section_id
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
  LEFT JOIN ev_trace_values AS tv_control_id
    ON tv_control_id.kind = 'month'
    AND tv_control_id.section_id = c.control_id
    AND tv_control_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;

-- rule nh3n_rise (control_values.rule:24) 氨氮浓度较入境上升，按上升比例扣缴
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
    v.prm_3,
    v.prm_4
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
        v.name = 'per_class') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_rise') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'peak_amount') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'worse_amount') AS prm_4
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
    p.prm_4
  FROM cells AS c
  JOIN prm AS p
    ON p.param_month = c.param_month
), s3 AS (
  SELECT
    g.*,
    (
      SELECT
        v1.value
      FROM ev_values AS v1
      WHERE
        (
          v1.kind = 'month' AND v1.section_id = g.control_id AND v1.period = g.period_start
        )
        AND v1.indicator = 'NH3N'
    ) AS mk_0
  FROM cells AS g
), s4 AS (
  SELECT
    g.*,
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
    ) IS NULL AS mko_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    EDIV(
      (
        (
          (
            SELECT
              v3.value
            FROM ev_values AS v3
            WHERE
              (
                v3.kind = 'month' AND v3.section_id = g.section_id AND v3.period = g.period_start
              )
              AND v3.indicator = 'NH3N'
          )
        ) - (
          g.mk_0
        )
      ),
      (
        g.mk_0
      )
    ) AS l_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.mk_0,
    k.mko_0,
    k.l_0
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell
), s7 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.l_0, 10) AS e4_0
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    CASE
      WHEN g.l_0 IS NULL
      THEN NULL
      WHEN g.e4_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.e4_0 > CAST(0 AS DECIMAL(38, 12))
      THEN CAST((
        g.l_0
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
      THEN '未上升'
      WHEN g.e4_0 > CAST(0 AS DECIMAL(38, 12))
      THEN '上升'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE
      WHEN g.mk_0 = 0
      THEN '除数为零：control.value(NH3N) = 0'
      WHEN g.mk_0 IS NULL
      THEN CASE WHEN g.mko_0 THEN '数据缺失；' ELSE '' END || CASE
        WHEN g.control_id IS NULL
        THEN '无入境对照断面（control.value(NH3N)）'
        ELSE '入境对照断面 ' || g.control_id || ' 数据缺失（control.value(NH3N)）'
      END
    END AS a_why
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
  'nh3n_rise' AS rule,
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
    CASE WHEN g.a IS NULL THEN COALESCE(g.a_why, '数据缺失') END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'nh3n_rise',
    'file',
    'rules/examples/control_values.rule',
    'line',
    24,
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
    JSON_OBJECT('per_rise', CAST(g.prm_2 AS TEXT)),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT('value(NH3N)', CAST(g.mk_0 AS TEXT)),
    'lets',
    JSON_OBJECT('rise', CAST(g.l_0 AS TEXT)),
    'values',
    tv.t_values.values,
    'classes',
    tv.t_values.classes,
    'control_values',
    tv.t_control_values.values,
    'control_classes',
    tv.t_control_values.classes,
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
    tv_section_id.t AS t_values,
    tv_control_id.t AS t_control_values
  FROM cells AS c
  LEFT JOIN ev_trace_values AS tv_section_id
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
  LEFT JOIN ev_trace_values AS tv_control_id
    ON tv_control_id.kind = 'month'
    AND tv_control_id.section_id = c.control_id
    AND tv_control_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;

-- rule peaks (control_values.rule:33) 本月最高值高于入境最高值的指标，每项扣缴
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
    v.prm_3,
    v.prm_4
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
        v.name = 'per_class') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_rise') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'peak_amount') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'worse_amount') AS prm_4
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
    p.prm_4
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
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
      SELECT
        COUNT(DISTINCT v1.indicator)
      FROM ev_values AS v1
      WHERE
        v1.kind = 'month'
        AND v1.section_id = g.control_id
        AND v1.period = g.period_start
        AND NOT v1.value IS NULL
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v1.indicator
        )
    ) AS mkl_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
      SELECT
        COUNT(DISTINCT v2.indicator)
      FROM ev_values AS v2
      WHERE
        v2.kind = 'month'
        AND v2.section_id = g.section_id
        AND v2.period = g.period_start
        AND NOT v2.value IS NULL
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v2.indicator
        )
    ) AS mklo_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.mkl_0,
    k.mklo_0
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    CASE WHEN q.present IS NULL THEN 0 ELSE q.v END AS q4
  FROM s6 AS g
  LEFT JOIN (
    SELECT
      control_id,
      period_start,
      prm_0,
      prm_3,
      section_id,
      CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE COALESCE(SUM(b), 0) END AS v,
      TRUE AS present
    FROM (
      SELECT
        g.control_id,
        g.period_start,
        g.prm_0,
        g.prm_3,
        g.section_id,
        CASE ROUND_HALF_EVEN(g.q4_xb_0, 10) > ROUND_HALF_EVEN(g.q4_xb_1, 10)
          WHEN TRUE
          THEN g.prm_3
          WHEN FALSE
          THEN CAST(0 AS DECIMAL(38, 12))
        END AS b
      FROM (
        SELECT
          g.*,
          (
            SELECT
              v5.highest
            FROM ev_values AS v5
            WHERE
              (
                v5.kind = 'month' AND v5.section_id = g.section_id AND v5.period = g.period_start
              )
              AND v5.indicator = g.q4_x
          ) AS q4_xb_0,
          (
            SELECT
              v6.highest
            FROM ev_values AS v6
            WHERE
              (
                v6.kind = 'month' AND v6.section_id = g.control_id AND v6.period = g.period_start
              )
              AND v6.indicator = g.q4_x
          ) AS q4_xb_1
        FROM (
          SELECT
            g.*,
            UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS q4_x
          FROM (
            SELECT DISTINCT
              g.control_id,
              g.period_start,
              g.prm_0,
              g.prm_3,
              g.section_id
            FROM grid AS g
          ) AS g
        ) AS g
      ) AS g
    ) AS r
    GROUP BY
      control_id,
      period_start,
      prm_0,
      prm_3,
      section_id
  ) AS q
    ON q.control_id IS NOT DISTINCT FROM g.control_id
    AND q.period_start IS NOT DISTINCT FROM g.period_start
    AND q.prm_0 IS NOT DISTINCT FROM g.prm_0
    AND q.prm_3 IS NOT DISTINCT FROM g.prm_3
    AND q.section_id IS NOT DISTINCT FROM g.section_id
), s8 AS (
  SELECT
    g.*,
    g.q4 AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label,
    CASE
      WHEN g.mkl_0
      THEN CASE WHEN g.mklo_0 THEN '数据缺失；' ELSE '' END || CASE
        WHEN g.control_id IS NULL
        THEN '无入境对照断面（control.highest(i) for i in inds）'
        ELSE '入境对照断面 ' || g.control_id || ' 数据缺失（control.highest(i) for i in inds）'
      END
    END AS a_why
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
  'peaks' AS rule,
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
    CASE WHEN g.a IS NULL THEN COALESCE(g.a_why, '数据缺失') END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'peaks',
    'file',
    'rules/examples/control_values.rule',
    'line',
    33,
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
      'peak_amount',
      CAST(g.prm_3 AS TEXT)
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
    'control_values',
    tv.t_control_values.values,
    'control_classes',
    tv.t_control_values.classes,
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
    tv_section_id.t AS t_values,
    tv_control_id.t AS t_control_values
  FROM cells AS c
  LEFT JOIN ev_trace_values AS tv_section_id
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
  LEFT JOIN ev_trace_values AS tv_control_id
    ON tv_control_id.kind = 'month'
    AND tv_control_id.section_id = c.control_id
    AND tv_control_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;

-- rule worse_class (control_values.rule:39) 断面类别（单因子）劣于入境断面
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
    v.prm_3,
    v.prm_4
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
        v.name = 'per_class') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_rise') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'peak_amount') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'worse_amount') AS prm_4
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
    p.prm_4
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
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
      SELECT
        COUNT(DISTINCT v1.indicator)
      FROM ev_values AS v1
      WHERE
        v1.kind = 'month'
        AND v1.section_id = g.control_id
        AND v1.period = g.period_start
        AND NOT v1.value IS NULL
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v1.indicator
        )
    ) AS mkl_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
      SELECT
        COUNT(DISTINCT v2.indicator)
      FROM ev_values AS v2
      WHERE
        v2.kind = 'month'
        AND v2.section_id = g.section_id
        AND v2.period = g.period_start
        AND NOT v2.value IS NULL
        AND ARRAY_CONTAINS(
          CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
          v2.indicator
        )
    ) AS mklo_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.mkl_0,
    k.mklo_0
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), q4_keys AS MATERIALIZED (
  SELECT
    ROW_NUMBER() OVER () AS kid,
    g.*,
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS n_items
  FROM (
    SELECT DISTINCT
      g.period_start,
      g.prm_0
    FROM grid AS g
  ) AS g
), q4_all AS MATERIALIZED (
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
        g.q4_xb_0 AS b
      FROM (
        SELECT
          d.*,
          v.section_id,
          e.water_body,
          v.class AS q4_xb_0
        FROM (
          SELECT
            g.*,
            UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS q4_x
          FROM q4_keys AS g
        ) AS d
        JOIN ev_values AS v
          ON v.kind = 'month' AND v.period = d.period_start AND v.indicator = d.q4_x
        JOIN ev_sections AS e
          ON e.section_id = v.section_id
      ) AS g
    ) AS r
    GROUP BY
      kid,
      section_id
  ) AS a
  JOIN q4_keys AS k
    ON k.kid = a.kid
), s9 AS (
  SELECT
    g.*,
    q.v AS q4
  FROM s6 AS g
  LEFT JOIN q4_keys AS k
    ON k.period_start IS NOT DISTINCT FROM g.period_start
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
  LEFT JOIN q4_all AS q
    ON q.kid = k.kid AND q.section_id = g.section_id
), s10 AS (
  SELECT
    g.*,
    q.v AS q7
  FROM s9 AS g
  LEFT JOIN q4_keys AS k
    ON k.period_start IS NOT DISTINCT FROM g.period_start
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
  LEFT JOIN q4_all AS q
    ON q.kid = k.kid AND q.section_id = g.control_id
), q10_keys AS MATERIALIZED (
  SELECT
    ROW_NUMBER() OVER () AS kid,
    g.*,
    LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS n_items
  FROM (
    SELECT DISTINCT
      g.period_start,
      g.prm_0
    FROM grid AS g
  ) AS g
), q10_all AS MATERIALIZED (
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
        g.q10_xb_0 AS b
      FROM (
        SELECT
          d.*,
          v.section_id,
          e.water_body,
          v.class AS q10_xb_0
        FROM (
          SELECT
            g.*,
            UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS q10_x
          FROM q10_keys AS g
        ) AS d
        JOIN ev_values AS v
          ON v.kind = 'month' AND v.period = d.period_start AND v.indicator = d.q10_x
        JOIN ev_sections AS e
          ON e.section_id = v.section_id
      ) AS g
    ) AS r
    GROUP BY
      kid,
      section_id
  ) AS a
  JOIN q10_keys AS k
    ON k.kid = a.kid
), s13 AS (
  SELECT
    g.*,
    q.v AS q10
  FROM s10 AS g
  LEFT JOIN q10_keys AS k
    ON k.period_start IS NOT DISTINCT FROM g.period_start
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
  LEFT JOIN q10_all AS q
    ON q.kid = k.kid AND q.section_id = g.section_id
), s14 AS (
  SELECT
    g.*,
    q.v AS q13
  FROM s13 AS g
  LEFT JOIN q10_keys AS k
    ON k.period_start IS NOT DISTINCT FROM g.period_start
    AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
  LEFT JOIN q10_all AS q
    ON q.kid = k.kid AND q.section_id = g.control_id
), s15 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN((
      g.q4
    ) - (
      g.q7
    ), 10) AS e15_0,
    ROUND_HALF_EVEN((
      g.q10
    ) - (
      g.q13
    ), 10) AS e15_1
  FROM s14 AS g
), s16 AS (
  SELECT
    g.*,
    CASE
      WHEN (
        g.q4
      ) - (
        g.q7
      ) IS NULL
      THEN NULL
      WHEN g.e15_0 <= CAST(0 AS DECIMAL(38, 12))
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.e15_0 > CAST(0 AS DECIMAL(38, 12))
      THEN g.prm_4
    END AS a_raw,
    CASE
      WHEN g.e15_1 <= CAST(0 AS DECIMAL(38, 12))
      THEN '(.., 0]'
      WHEN g.e15_1 > CAST(0 AS DECIMAL(38, 12))
      THEN '(0, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e15_1 <= CAST(0 AS DECIMAL(38, 12))
      THEN '不劣于入境'
      WHEN g.e15_1 > CAST(0 AS DECIMAL(38, 12))
      THEN '劣于入境'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE
      WHEN g.mkl_0
      THEN CASE WHEN g.mklo_0 THEN '数据缺失；' ELSE '' END || CASE
        WHEN g.control_id IS NULL
        THEN '无入境对照断面（control.class(i) for i in inds）'
        ELSE '入境对照断面 ' || g.control_id || ' 数据缺失（control.class(i) for i in inds）'
      END
    END AS a_why
  FROM s15 AS g
), s17 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s16 AS g
), s18 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s17 AS g
)
SELECT
  g.scenario,
  'worse_class' AS rule,
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
    CASE WHEN g.a IS NULL THEN COALESCE(g.a_why, '数据缺失') END,
    CASE WHEN ROUND_HALF_UP(g.a, 2) = 0 THEN g.branch_label END
  ) AS reason,
  CAST(JSON_OBJECT(
    'rule',
    'worse_class',
    'file',
    'rules/examples/control_values.rule',
    'line',
    39,
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
      'worse_amount',
      CAST(g.prm_4 AS TEXT)
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
    'control_values',
    tv.t_control_values.values,
    'control_classes',
    tv.t_control_values.classes,
    'amount_computed',
    CAST(g.a_raw AS TEXT),
    'amount_after_exceptions',
    CAST(g.a_exc AS TEXT),
    'amount_signed',
    CAST(g.a AS TEXT),
    'branch_label',
    g.branch_label
  ) AS JSON) AS trace
FROM s18 AS g
LEFT JOIN (
  SELECT
    c.cell,
    tv_section_id.t AS t_values,
    tv_control_id.t AS t_control_values
  FROM cells AS c
  LEFT JOIN ev_trace_values AS tv_section_id
    ON tv_section_id.kind = 'month'
    AND tv_section_id.section_id = c.section_id
    AND tv_section_id.period = c.period_start
  LEFT JOIN ev_trace_values AS tv_control_id
    ON tv_control_id.kind = 'month'
    AND tv_control_id.section_id = c.control_id
    AND tv_control_id.period = c.period_start
) AS tv
  ON tv.cell = g.cell
WHERE
  g.in_window;
