package i18n

// Sentences of a send that streams its list (issue 18).
var _ = addJA(map[string]string{
	"run the same command again once the list is saved: nothing was sent and no campaign was created": "名簿を保存してから、同じコマンドをもう一度実行してください。何も送信しておらず、キャンペーンも作成していません",
	"dry run: the JSON of a message has no rows: %s":                                                  "ドライラン: メッセージの JSON に rows がありません: %s",
})
