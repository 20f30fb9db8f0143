// What a read-only query may use. Kept as short lists on purpose: each entry is a decision that
// the function, operator or type can read nothing but its arguments and cannot change anything.

/** Functions a query may call: pure, cheap, and unable to read anything but their arguments. */
export const FUNCTIONS: ReadonlySet<string> = new Set(
  'count sum avg min max bool_and bool_or string_agg array_agg lower upper length char_length trim btrim ltrim rtrim substring substr left right replace concat concat_ws position strpos starts_with abs round floor ceil ceiling trunc mod greatest least date_trunc date_part extract now current_date age to_char nullif'.split(
    ' ',
  ),
);

/** Operators a query may use (built-in comparison, arithmetic, concatenation and LIKE). */
export const OPERATORS: ReadonlySet<string> = new Set(
  '= <> != < > <= >= + - * / % || ~~ !~~ ~~* !~~*'.split(' '),
);

/** Types a query may cast to. */
export const TYPES: ReadonlySet<string> = new Set(
  'int2 int4 int8 integer bigint smallint numeric decimal float4 float8 text varchar bpchar bool boolean date timestamp timestamptz uuid'.split(
    ' ',
  ),
);

/** Longest query text accepted. */
export const MAX_SQL = 10_000;
