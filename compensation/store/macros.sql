-- Exact decimal helpers. DuckDB turns DECIMAL / DECIMAL and AVG into DOUBLE; these keep the
-- arithmetic in integers of 1e-12 units so boundaries (r = -10%, NH3-N 1.005) are decided exactly.

-- x as a HUGEINT count of 1e-12 units, for |x| < 1.7e14 (beyond, the product overflows: an error).
CREATE OR REPLACE MACRO dec_units(x) AS
    CAST(CAST(x AS DECIMAL(38,12)) * CAST(1000000000000 AS DECIMAL(38,0)) AS HUGEINT);

-- HUGEINT count of 1e-12 units back to DECIMAL(38,12), exactly (decimal multiplication keeps scale).
CREATE OR REPLACE MACRO units_dec(u) AS
    CAST(u AS DECIMAL(38,0)) * CAST(0.000000000001 AS DECIMAL(38,12));

-- Integer division n / d rounded half away from zero (money style), for HUGEINT n and d != 0
-- (|n| < 8.5e37). One integer division: HUGEINT division is the slow part.
CREATE OR REPLACE MACRO hdiv_half_up(n, d) AS
    sign(n) * sign(d) * ((2 * abs(n) + abs(d)) // (2 * abs(d)));

-- Integer division n / d rounded half to even (GB/T 8170), for HUGEINT n and d != 0.
CREATE OR REPLACE MACRO hdiv_half_even(n, d) AS
    (n // d) + CASE
        WHEN 2 * abs(n % d) > abs(d) THEN sign(n) * sign(d)
        WHEN 2 * abs(n % d) = abs(d) AND (n // d) % 2 <> 0 THEN sign(n) * sign(d)
        ELSE 0 END;

-- Exact decimal division a / b, result DECIMAL(38,12) rounded half up at the 12th decimal.
-- NULL when b is 0 or NULL (the caller decides what "no control value" means). No CASE: NULL
-- propagates, and DuckDB shares repeated subexpressions only outside CASE branches.
CREATE OR REPLACE MACRO ediv(a, b) AS
    units_dec(hdiv_half_up(dec_units(a) * CAST(1000000000000 AS HUGEINT), dec_units(NULLIF(b, 0))));

-- ediv(a, n) for a whole count n (a loop's mean): the same quotient without scaling both sides by
-- 1e12 first (the factor cancels in the floor division), so the HUGEINT division works on a
-- dividend 1e12 times smaller and a divisor of a few bits. NULL when n is 0 or NULL.
CREATE OR REPLACE MACRO ediv_count(a, n) AS
    units_dec(hdiv_half_up(dec_units(a), CAST(NULLIF(n, 0) AS HUGEINT)));

-- ediv for a dividend of at most 6 decimals (a period value) and a divisor of at most 6 decimals
-- below 4e6 (a GB 3838 limit; the compiler uses it only there): the same quotient by long
-- division in BIGINT, six digits at a time, 4x faster than one HUGEINT division (which works bit by
-- bit). No CASE, so DuckDB computes the repeated operands once. A divisor beyond the range is an
-- overflow error, never a wrong quotient.
CREATE OR REPLACE MACRO ediv6_units(x, y, s) AS
    s * (CAST(x // y AS HUGEINT) * 1000000000000 + (x % y) * 1000000 // y * 1000000
         + ((x % y) * 1000000 % y * 2000000 + y) // (2 * y));

-- A DECIMAL(18,6) in 1e-6 units, in BIGINT arithmetic only (its whole and fractional parts; a
-- multiplication by 1e6 would widen it to HUGEINT first).
CREATE OR REPLACE MACRO units6(a) AS
    CAST(trunc(a) AS BIGINT) * 1000000 + CAST((a % 1) * 1000000 AS BIGINT);

-- ediv6's quotient as a HUGEINT count of 1e-12 units: a loop's mean sums these and converts once
-- (mean_units), not once per term (the conversions cost more than the division).
CREATE OR REPLACE MACRO ediv6_u(a, b) AS
    ediv6_units(abs(units6(CAST(a AS DECIMAL(18,6)))),
                NULLIF(abs(units6(CAST(b AS DECIMAL(18,6)))), 0), sign(a) * sign(b));

CREATE OR REPLACE MACRO ediv6(a, b) AS
    units_dec(ediv6_u(a, b));

-- The mean of terms summed in 1e-12 units (s HUGEINT) over n terms, rounded half up at the 12th
-- decimal: ediv_count(units_dec(s), n) without the round trip through DECIMAL.
CREATE OR REPLACE MACRO mean_units(s, n) AS
    units_dec(hdiv_half_up(s, CAST(NULLIF(n, 0) AS HUGEINT)));

-- Round a decimal half to even (GB/T 8170) to d decimals (0 <= d <= 12, a constant), result
-- DECIMAL(38,12). DuckDB's round_even and round are exact on decimals (half to even and half away
-- from zero), in the decimal's own integer, 2-3x faster than dividing HUGEINT units.
CREATE OR REPLACE MACRO round_half_even(x, d) AS
    CAST(round_even(CAST(x AS DECIMAL(38,12)), d) AS DECIMAL(38,12));

-- Round a decimal half up (四舍五入, money: half away from zero) to d decimals, result
-- DECIMAL(38,12); d a constant.
CREATE OR REPLACE MACRO round_half_up(x, d) AS
    CAST(round(CAST(x AS DECIMAL(38,12)), d) AS DECIMAL(38,12));

-- round_half_even where d is a column (DuckDB's round needs a constant), in HUGEINT units.
CREATE OR REPLACE MACRO round_half_even_at(x, d) AS
    units_dec(hdiv_half_even(dec_units(x), CAST(pow(10, 12 - d) AS HUGEINT))
              * CAST(pow(10, 12 - d) AS HUGEINT));

-- A mean s / n2 of 1e-6 units (s HUGEINT or BIGINT, n2 > 0) rounded half to even at its first
-- significant decimal, at most the 6th (GB/T 8170 for a non-zero mean that rounds to 0 at the
-- assessment decimals), in 1e-6 units. The integer part q of |s| / n2 has L digits, so the mean
-- is at least 10^(L-1) units and below 10^L: round to 10^(L-1) units (to 1 unit when q = 0).
CREATE OR REPLACE MACRO sig_round6(s, n2) AS
    CAST(hdiv_half_even(CAST(s AS HUGEINT),
                        CAST(n2 AS HUGEINT)
                        * CAST(pow(10, greatest(0, length(CAST(abs(s) // n2 AS VARCHAR)) - 1))
                               AS HUGEINT))
         * CAST(pow(10, greatest(0, length(CAST(abs(s) // n2 AS VARCHAR)) - 1)) AS HUGEINT)
         AS BIGINT);
