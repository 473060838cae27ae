package i18n

// The command line's progress lines: why a send pauses and for how long.
var _ = addJA(map[string]string{
	"the provider failed %s times in a row (last: %s): pausing %s before trying again": "送信サービスへの送信が%s回続けて失敗しました(最後の理由: %s)。%s待ってから送信を再開します",
})
