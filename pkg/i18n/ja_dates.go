package i18n

// A date that cannot be read (pkg/filter's DateError), as the CLI words it.
var _ = addJA(map[string]string{
	"%q is not a date (did you mean %s?): %s":          "%q は日付として読めません(%s のことですか?)。%s",
	"%q is not a date: %s":                             "%q は日付として読めません。%s",
	"cannot read %s after the date":                    "日付のあとの %s が読めません",
	"there is no month %s":                             "%s 月はありません",
	"the value is empty":                               "値が空です",
	"write today, tomorrow, +2d, 2026-11-22 or 11月22日": "today、tomorrow、+2d、2026-11-22、11月22日 のように書いてください(明日・本日も可)",
})
