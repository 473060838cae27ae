package i18n

// --where's sentences (pkg/filter's ExprError, ColumnError, CellError), as the CLI words them.
var _ = addJA(map[string]string{
	"--where %q: %s":    "--where %q: %s",
	"--where %q: %s %s": "--where %q: %s の %s",
	"--where %q: %q could mean any of the columns %s: write one of them exactly as in the header":                         "--where %q: %q にあてはまる列が複数あります(%s)。見出しのとおりに1つを書いてください",
	"--where %q: the list has no column %q: its columns are %s":                                                           "--where %q: 名簿に %q の列がありません。列は %s です",
	"%s compares dates or numbers, and %q is neither: write e.g. bloodwork_date%s+7d or 年齢%s75, or use = to compare text": "%[1]s は日付か数を比べますが、%[2]q はどちらでもありません。bloodwork_date%[3]s+7d や 年齢%[4]s75 のように書くか、文字を比べるなら = を使ってください",
	"no =, != or <= in it: write COLUMN=VALUE, e.g. 透析曜日=月,水,金 or bloodwork_date=tomorrow":                                "=、!=、<= がありません。列名=値 の形で書いてください(例: 透析曜日=月,水,金、bloodwork_date=tomorrow)",
	"no column name before %q: write COLUMN%sVALUE with a column of the list":                                             "%q の前に列名がありません。名簿の列を使って 列名%s値 の形で書いてください",
	"nothing after %s: write a date or a number, e.g. bloodwork_date%s+7d":                                                "%s のあとに何もありません。日付か数を書いてください(例: bloodwork_date%s+7d)",
	"the expression is empty: write COLUMN=VALUE, e.g. 透析曜日=月,水,金 or bloodwork_date=tomorrow":                             "条件が空です。列名=値 の形で書いてください(例: 透析曜日=月,水,金、bloodwork_date=tomorrow)",
	"two operators in a row: write one of =, !=, <, <=, >, >=":                                                            "演算子が続いています。=、!=、<、<=、>、>= のどれか1つにしてください",
	"write != for \"is not\"": "「でない」は != と書いてください",
	"write <= rather than =<": "=< ではなく <= と書いてください",
	"write >= rather than =>": "=> ではなく >= と書いてください",
})
