-- rule basin_mean (basin_sections.rule:22) 流域平均综合污染指数达到目标
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
        v.name = 'target_cpi') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'reward') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_section') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'penalty') AS prm_4
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
    (
      SELECT
        CASE
          WHEN COUNT(*) = 0
          THEN '本期没有考核断面（mean(cpi for s in sections)）'
          WHEN BOOL_OR(CAST(t.u AS BOOLEAN))
          THEN '断面 ' || ARRAY_TO_STRING(LIST_SORT(ARRAY_AGG(t.id) FILTER(WHERE
            t.u)), '、') || ' 数据缺失（mean(cpi for s in sections)）'
        END
      FROM (
        SELECT
          c1.section_id AS id,
          (
            (
              SELECT
                EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
              FROM (
                SELECT
                  EDIV(
                    (
                      (
                        SELECT
                          v3.value
                        FROM ev_values AS v3
                        WHERE
                          (
                            v3.kind = 'year' AND v3.section_id = c1.section_id AND v3.period = g.period_start
                          )
                          AND v3.indicator = c2.x
                      )
                    ),
                    (
                      LIMIT_OF(c2.x, c1.water_body, 3)
                    )
                  ) AS b
                FROM (
                  SELECT
                    UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS x
                ) AS c2
              ) AS q4
            )
          ) IS NULL AS u
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c1
      ) AS t
    ) AS sg_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      SELECT
        CAST(TO_JSON(LIST_SORT(ARRAY_AGG({'section': t.id, 'value': t.b}))) AS TEXT)
      FROM (
        SELECT
          c5.section_id AS id,
          CAST((
            SELECT
              EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
            FROM (
              SELECT
                EDIV(
                  (
                    (
                      SELECT
                        v7.value
                      FROM ev_values AS v7
                      WHERE
                        (
                          v7.kind = 'year' AND v7.section_id = c5.section_id AND v7.period = g.period_start
                        )
                        AND v7.indicator = c6.x
                    )
                  ),
                  (
                    LIMIT_OF(c6.x, c5.water_body, 3)
                  )
                ) AS b
              FROM (
                SELECT
                  UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS x
              ) AS c6
            ) AS q8
          ) AS TEXT) AS b
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c5
      ) AS t
    ) AS st_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    (
      SELECT
        EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
      FROM (
        SELECT
          (
            SELECT
              EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
            FROM (
              SELECT
                EDIV(
                  (
                    (
                      SELECT
                        v11.value
                      FROM ev_values AS v11
                      WHERE
                        (
                          v11.kind = 'year'
                          AND v11.section_id = c9.section_id
                          AND v11.period = g.period_start
                        )
                        AND v11.indicator = c10.x
                    )
                  ),
                  (
                    LIMIT_OF(c10.x, c9.water_body, 3)
                  )
                ) AS b
              FROM (
                SELECT
                  UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS x
              ) AS c10
            ) AS q12
          ) AS b
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c9
      ) AS q13
    ) AS l_0
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    k.sg_0,
    k.st_0,
    k.l_0
  FROM grid AS g
  JOIN s6 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s8 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.l_0, 10) AS e14_0,
    ROUND_HALF_EVEN(g.prm_1, 10) AS e14_1
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    CASE
      WHEN g.l_0 IS NULL
      THEN NULL
      WHEN g.e14_0 <= g.e14_1
      THEN g.prm_2
      WHEN g.e14_0 > g.e14_1
      THEN CAST(0 AS DECIMAL(38, 12))
    END AS a_raw,
    CASE
      WHEN g.e14_0 <= g.e14_1
      THEN '(.., target_cpi]'
      WHEN g.e14_0 > g.e14_1
      THEN '(target_cpi, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e14_0 <= g.e14_1
      THEN '达到目标'
      WHEN g.e14_0 > g.e14_1
      THEN '未达到目标'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE WHEN NOT g.sg_0 IS NULL THEN CONCAT_WS('；', g.sg_0) END AS a_why
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
  'basin_mean' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN 'basin_city' ELSE 'province_treasury' END AS payer,
  CASE WHEN g.a < 0 THEN 'province_treasury' ELSE 'basin_city' END AS payee,
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
    'basin_mean',
    'file',
    'rules/examples/basin_sections.rule',
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
      'reward',
      CAST(g.prm_2 AS TEXT),
      'target_cpi',
      CAST(g.prm_1 AS TEXT)
    ),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT('basin_cpi', CAST(g.l_0 AS TEXT)),
    'sections',
    JSON_ARRAY(
      JSON_OBJECT('loop', 'mean(cpi for s in sections)', 'terms', CAST(g.st_0 AS JSON))
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
FROM s11 AS g
WHERE
  g.in_window;

-- rule sections_met (basin_sections.rule:31) 按达到或优于Ⅲ类的断面数奖励
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
        v.name = 'target_cpi') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'reward') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_section') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'penalty') AS prm_4
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
    (
      SELECT
        CASE
          WHEN COUNT(*) = 0
          THEN '本期没有考核断面（count(s for s in sections where worst_class(inds) no worse than III)）'
          WHEN BOOL_OR(CAST(t.u AS BOOLEAN))
          THEN '断面 ' || ARRAY_TO_STRING(LIST_SORT(ARRAY_AGG(t.id) FILTER(WHERE
            t.u)), '、') || ' 数据缺失（count(s for s in sections where worst_class(inds) no worse than III)）'
        END
      FROM (
        SELECT
          c1.section_id AS id,
          (
            (
              SELECT
                MAX(v2.class)
              FROM ev_values AS v2
              WHERE
                v2.kind = 'year'
                AND v2.section_id = c1.section_id
                AND v2.period = g.period_start
                AND ARRAY_CONTAINS(
                  CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                  v2.indicator
                )
            ) <= 3
          ) IS NULL
          OR (
            (
              (
                SELECT
                  MAX(v2.class)
                FROM ev_values AS v2
                WHERE
                  v2.kind = 'year'
                  AND v2.section_id = c1.section_id
                  AND v2.period = g.period_start
                  AND ARRAY_CONTAINS(
                    CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                    v2.indicator
                  )
              ) <= 3
            )
            AND (
              c1.section_id
            ) IS NULL
          ) AS u
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c1
      ) AS t
    ) AS sg_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      SELECT
        CAST(TO_JSON(
          LIST_SORT(ARRAY_AGG({'section': t.id, 'value': CASE WHEN t.u THEN NULL ELSE t.b END}))
        ) AS TEXT)
      FROM (
        SELECT
          c3.section_id AS id,
          CAST(c3.section_id AS TEXT) AS b,
          (
            (
              SELECT
                MAX(v4.class)
              FROM ev_values AS v4
              WHERE
                v4.kind = 'year'
                AND v4.section_id = c3.section_id
                AND v4.period = g.period_start
                AND ARRAY_CONTAINS(
                  CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                  v4.indicator
                )
            ) <= 3
          ) IS NULL AS u
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c3
        WHERE
          NOT (
            (
              SELECT
                MAX(v4.class)
              FROM ev_values AS v4
              WHERE
                v4.kind = 'year'
                AND v4.section_id = c3.section_id
                AND v4.period = g.period_start
                AND ARRAY_CONTAINS(
                  CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                  v4.indicator
                )
            ) <= 3
          ) IS FALSE
      ) AS t
    ) AS st_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    k.sg_0,
    k.st_0
  FROM grid AS g
  JOIN s5 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s7 AS (
  SELECT
    g.*,
    CAST((
      (
        SELECT
          CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE COUNT(b) END
        FROM (
          SELECT
            CASE
              WHEN (
                (
                  SELECT
                    MAX(v6.class)
                  FROM ev_values AS v6
                  WHERE
                    v6.kind = 'year'
                    AND v6.section_id = c5.section_id
                    AND v6.period = g.period_start
                    AND ARRAY_CONTAINS(
                      CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                      v6.indicator
                    )
                ) <= 3
              ) IS NULL
              THEN NULL
              ELSE c5.section_id
            END AS b
          FROM (
            SELECT
              *
            FROM ev_sections
            WHERE
              (
                valid_from <= g.period_end
                AND (
                  valid_to IS NULL OR valid_to >= g.period_start
                )
              )
              AND role = 'assessed'
          ) AS c5
          WHERE
            NOT (
              (
                SELECT
                  MAX(v6.class)
                FROM ev_values AS v6
                WHERE
                  v6.kind = 'year'
                  AND v6.section_id = c5.section_id
                  AND v6.period = g.period_start
                  AND ARRAY_CONTAINS(
                    CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                    v6.indicator
                  )
              ) <= 3
            ) IS FALSE
        ) AS q7
      )
    ) * (
      g.prm_3
    ) AS DECIMAL(38, 12)) AS a_raw,
    CAST(NULL AS TEXT) AS branch,
    CAST(NULL AS TEXT) AS branch_label,
    CASE WHEN NOT g.sg_0 IS NULL THEN CONCAT_WS('；', g.sg_0) END AS a_why
  FROM s6 AS g
), s8 AS (
  SELECT
    g.*,
    g.a_raw AS a_exc,
    CAST(NULL AS TEXT) AS exc_label,
    CAST(NULL AS TEXT) AS exc_reason
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a
  FROM s8 AS g
)
SELECT
  g.scenario,
  'sections_met' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE WHEN g.a < 0 THEN 'basin_city' ELSE 'province_treasury' END AS payer,
  CASE WHEN g.a < 0 THEN 'province_treasury' ELSE 'basin_city' END AS payee,
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
    'sections_met',
    'file',
    'rules/examples/basin_sections.rule',
    'line',
    31,
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
      'per_section',
      CAST(g.prm_3 AS TEXT)
    ),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT(),
    'sections',
    JSON_ARRAY(
      JSON_OBJECT(
        'loop',
        'count(s for s in sections where worst_class(inds) no worse than III)',
        'terms',
        CAST(g.st_0 AS JSON)
      )
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
FROM s9 AS g
WHERE
  g.in_window;

-- rule worst_section (basin_sections.rule:37) 最差断面劣于Ⅲ类（只计数据齐全的断面）
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
        v.name = 'target_cpi') AS prm_1,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'reward') AS prm_2,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'per_section') AS prm_3,
      ANY_VALUE(v.num) FILTER(WHERE
        v.name = 'penalty') AS prm_4
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
    (
      SELECT
        CASE
          WHEN COUNT(*) = 0
          THEN '本期没有考核断面（max(cpi for s in sections where not missing(inds))）'
          WHEN BOOL_OR(CAST(t.u AS BOOLEAN))
          THEN '断面 ' || ARRAY_TO_STRING(LIST_SORT(ARRAY_AGG(t.id) FILTER(WHERE
            t.u)), '、') || ' 数据缺失（max(cpi for s in sections where not missing(inds))）'
        END
      FROM (
        SELECT
          c1.section_id AS id,
          (
            NOT (
              LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
                SELECT
                  COUNT(DISTINCT v5.indicator)
                FROM ev_values AS v5
                WHERE
                  v5.kind = 'year'
                  AND v5.section_id = c1.section_id
                  AND v5.period = g.period_start
                  AND NOT v5.value IS NULL
                  AND ARRAY_CONTAINS(
                    CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                    v5.indicator
                  )
              )
            )
          ) IS NULL
          OR (
            (
              NOT (
                LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
                  SELECT
                    COUNT(DISTINCT v5.indicator)
                  FROM ev_values AS v5
                  WHERE
                    v5.kind = 'year'
                    AND v5.section_id = c1.section_id
                    AND v5.period = g.period_start
                    AND NOT v5.value IS NULL
                    AND ARRAY_CONTAINS(
                      CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                      v5.indicator
                    )
                )
              )
            )
            AND (
              (
                SELECT
                  EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
                FROM (
                  SELECT
                    EDIV(
                      (
                        (
                          SELECT
                            v3.value
                          FROM ev_values AS v3
                          WHERE
                            (
                              v3.kind = 'year' AND v3.section_id = c1.section_id AND v3.period = g.period_start
                            )
                            AND v3.indicator = c2.x
                        )
                      ),
                      (
                        LIMIT_OF(c2.x, c1.water_body, 3)
                      )
                    ) AS b
                  FROM (
                    SELECT
                      UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS x
                  ) AS c2
                ) AS q4
              )
            ) IS NULL
          ) AS u
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c1
      ) AS t
    ) AS sg_0
  FROM s3 AS g
), s5 AS (
  SELECT
    g.*,
    (
      SELECT
        CAST(TO_JSON(
          LIST_SORT(ARRAY_AGG({'section': t.id, 'value': CASE WHEN t.u THEN NULL ELSE t.b END}))
        ) AS TEXT)
      FROM (
        SELECT
          c6.section_id AS id,
          CAST((
            SELECT
              EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
            FROM (
              SELECT
                EDIV(
                  (
                    (
                      SELECT
                        v8.value
                      FROM ev_values AS v8
                      WHERE
                        (
                          v8.kind = 'year' AND v8.section_id = c6.section_id AND v8.period = g.period_start
                        )
                        AND v8.indicator = c7.x
                    )
                  ),
                  (
                    LIMIT_OF(c7.x, c6.water_body, 3)
                  )
                ) AS b
              FROM (
                SELECT
                  UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS x
              ) AS c7
            ) AS q9
          ) AS TEXT) AS b,
          (
            NOT (
              LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
                SELECT
                  COUNT(DISTINCT v10.indicator)
                FROM ev_values AS v10
                WHERE
                  v10.kind = 'year'
                  AND v10.section_id = c6.section_id
                  AND v10.period = g.period_start
                  AND NOT v10.value IS NULL
                  AND ARRAY_CONTAINS(
                    CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                    v10.indicator
                  )
              )
            )
          ) IS NULL AS u
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c6
        WHERE
          NOT (
            NOT (
              LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
                SELECT
                  COUNT(DISTINCT v10.indicator)
                FROM ev_values AS v10
                WHERE
                  v10.kind = 'year'
                  AND v10.section_id = c6.section_id
                  AND v10.period = g.period_start
                  AND NOT v10.value IS NULL
                  AND ARRAY_CONTAINS(
                    CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                    v10.indicator
                  )
              )
            )
          ) IS FALSE
      ) AS t
    ) AS st_0
  FROM s4 AS g
), s6 AS (
  SELECT
    g.*,
    (
      SELECT
        CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE MAX(b) END
      FROM (
        SELECT
          CASE
            WHEN (
              NOT (
                LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
                  SELECT
                    COUNT(DISTINCT v15.indicator)
                  FROM ev_values AS v15
                  WHERE
                    v15.kind = 'year'
                    AND v15.section_id = c11.section_id
                    AND v15.period = g.period_start
                    AND NOT v15.value IS NULL
                    AND ARRAY_CONTAINS(
                      CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                      v15.indicator
                    )
                )
              )
            ) IS NULL
            THEN NULL
            ELSE (
              SELECT
                EDIV(CASE WHEN BOOL_OR(CAST(b IS NULL AS BOOLEAN)) THEN NULL ELSE SUM(b) END, COUNT(b))
              FROM (
                SELECT
                  EDIV(
                    (
                      (
                        SELECT
                          v13.value
                        FROM ev_values AS v13
                        WHERE
                          (
                            v13.kind = 'year'
                            AND v13.section_id = c11.section_id
                            AND v13.period = g.period_start
                          )
                          AND v13.indicator = c12.x
                      )
                    ),
                    (
                      LIMIT_OF(c12.x, c11.water_body, 3)
                    )
                  ) AS b
                FROM (
                  SELECT
                    UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) AS x
                ) AS c12
              ) AS q14
            )
          END AS b
        FROM (
          SELECT
            *
          FROM ev_sections
          WHERE
            (
              valid_from <= g.period_end
              AND (
                valid_to IS NULL OR valid_to >= g.period_start
              )
            )
            AND role = 'assessed'
        ) AS c11
        WHERE
          NOT (
            NOT (
              LENGTH(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END) > (
                SELECT
                  COUNT(DISTINCT v15.indicator)
                FROM ev_values AS v15
                WHERE
                  v15.kind = 'year'
                  AND v15.section_id = c11.section_id
                  AND v15.period = g.period_start
                  AND NOT v15.value IS NULL
                  AND ARRAY_CONTAINS(
                    CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',') END,
                    v15.indicator
                  )
              )
            )
          ) IS FALSE
      ) AS q16
    ) AS l_0
  FROM s5 AS g
), s7 AS (
  SELECT
    g.*,
    k.sg_0,
    k.st_0,
    k.l_0
  FROM grid AS g
  JOIN s6 AS k
    ON k.cell = g.cell AND k.prm_0 IS NOT DISTINCT FROM g.prm_0
), s8 AS (
  SELECT
    g.*,
    ROUND_HALF_EVEN(g.l_0, 10) AS e17_0
  FROM s7 AS g
), s9 AS (
  SELECT
    g.*,
    CASE
      WHEN g.l_0 IS NULL
      THEN NULL
      WHEN g.e17_0 <= CAST(1 AS DECIMAL(38, 12))
      THEN CAST(0 AS DECIMAL(38, 12))
      WHEN g.e17_0 > CAST(1 AS DECIMAL(38, 12))
      THEN -(
        g.prm_4
      )
    END AS a_raw,
    CASE
      WHEN g.e17_0 <= CAST(1 AS DECIMAL(38, 12))
      THEN '(.., 1]'
      WHEN g.e17_0 > CAST(1 AS DECIMAL(38, 12))
      THEN '(1, ..)'
      ELSE CAST(NULL AS TEXT)
    END AS branch,
    CASE
      WHEN g.e17_0 <= CAST(1 AS DECIMAL(38, 12))
      THEN '不劣于Ⅲ类'
      WHEN g.e17_0 > CAST(1 AS DECIMAL(38, 12))
      THEN '劣于Ⅲ类'
      ELSE CAST(NULL AS TEXT)
    END AS branch_label,
    CASE WHEN NOT g.sg_0 IS NULL THEN CONCAT_WS('；', g.sg_0) END AS a_why,
    CASE
      WHEN g.e17_0 <= CAST(1 AS DECIMAL(38, 12))
      THEN FALSE
      WHEN g.e17_0 > CAST(1 AS DECIMAL(38, 12))
      THEN TRUE
      ELSE FALSE
    END AS a_rev_raw
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
    CAST(g.a_exc AS DECIMAL(38, 12)) AS a,
    g.a_rev_raw AS a_rev
  FROM s10 AS g
)
SELECT
  g.scenario,
  'worst_section' AS rule,
  g.period_start,
  g.period_end,
  g.section_id,
  CASE
    WHEN g.a < 0 OR (
      g.a = 0 AND g.a_rev
    )
    THEN 'basin_city'
    ELSE 'province_treasury'
  END AS payer,
  CASE
    WHEN g.a < 0 OR (
      g.a = 0 AND g.a_rev
    )
    THEN 'province_treasury'
    ELSE 'basin_city'
  END AS payee,
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
    'worst_section',
    'file',
    'rules/examples/basin_sections.rule',
    'line',
    37,
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
      'penalty',
      CAST(g.prm_4 AS TEXT)
    ),
    'measures',
    JSON_OBJECT(),
    'control_measures',
    JSON_OBJECT(),
    'lets',
    JSON_OBJECT('worst', CAST(g.l_0 AS TEXT)),
    'sections',
    JSON_ARRAY(
      JSON_OBJECT(
        'loop',
        'max(cpi for s in sections where not missing(inds))',
        'terms',
        CAST(g.st_0 AS JSON)
      )
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
FROM s11 AS g
WHERE
  g.in_window;
