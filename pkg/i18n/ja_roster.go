package i18n

// The reasons pkg/roster gives a number, and its warnings built from values.
var _ = addJA(map[string]string{
	"invalid number: the area code is missing":                                                          "番号の誤り: 市外局番がありません",
	"invalid number: too few digits":                                                                    "番号の誤り: 桁が足りません",
	"invalid number: too many digits (two numbers in one cell? keep one per column)":                    "番号の誤り: 桁が多すぎます(1つのセルに番号が2つ?1列に1つにしてください)",
	"invalid number: too many digits":                                                                   "番号の誤り: 桁が多すぎます",
	"invalid number: unknown country code":                                                              "番号の誤り: 国番号が不明です",
	"not a phone number: keep only the number in the cell (notes go in another column)":                 "電話番号ではありません: セルには番号だけを入れてください(メモは別の列に)",
	"most numbers are not valid in region %s but are numbers of %s: is the region right? (--region %s)": "ほとんどの番号が地域 %s の番号として正しくありませんが、%s の番号です。地域の設定は合っていますか?(--region %s)",
})
