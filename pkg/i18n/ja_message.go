package i18n

// The problems pkg/message finds in the rows it renders, as the CLI words them.
var _ = addJA(map[string]string{
	" (and %d other problems)": "(ほかに %d 件の問題)",
	"%s, %s: %s":               "%s、%s: %s",
	"every row (%d)":           "全%d行",
	"row %d":                   "%d行目",
	"rows %s":                  "%s行目",
	"rows %s, … (%d rows)":     "%s行目ほか(全%d行)",
	"template %q needs field %q for %s: add --var %s=VALUE or a %s column": "テンプレート %[1]q: %[3]s に項目 %[2]q の値がありません。--var %[4]s=値 を付けるか、名簿に %[5]s の列を作ってください",
	"template %q": "テンプレート %q",
	"the message needs field %q for %s: add --var %s=VALUE or a %s column": "メッセージ: %[2]s に項目 %[1]q の値がありません。--var %[3]s=値 を付けるか、名簿に %[4]s の列を作ってください",
	"the message": "メッセージ",
})
