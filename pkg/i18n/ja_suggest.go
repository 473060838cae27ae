package i18n

var _ = addJA(map[string]string{
	"did you mean %s? `%s --help` lists every flag": "%s のことですか? フラグの一覧は `%s --help` で表示されます",
})
