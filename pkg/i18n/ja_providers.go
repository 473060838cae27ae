package i18n

// The sentences of the provider table: `smscast help environment`'s secrets, as each provider
// declares its variables, and the hint for a secret written in the config file.
var _ = addJA(map[string]string{
	"\nSECRETS (environment only, never flags; never printed)\n": "\n秘密情報(環境変数のみ。オプションでは指定できず、表示もしません)\n",
	"\nOTHER\n  SMSCAST_CONFIG       config file, as --config\n": "\nその他\n  SMSCAST_CONFIG       設定ファイル(--config と同じ)\n",

	"Twilio account SID": "Twilio のアカウントSID",
	"Twilio auth token":  "Twilio の認証トークン",
	"Twilio API key SID (with TWILIO_API_SECRET, instead of the auth token)": "Twilio のAPIキーSID(TWILIO_API_SECRET と組み合わせて、認証トークンの代わりに)",
	"Twilio API key secret":                                        "Twilio のAPIキーのシークレット",
	"空電プッシュ API key (provider karaden)":                            "空電プッシュのAPIキー(provider karaden)",
	"the Android phone's local server password (provider smsgate)": "Android端末のローカルサーバーのパスワード(provider smsgate)",

	"delete it from the file and set it in the environment instead (%s: see `smscast help environment`)": "ファイルから削除し、代わりに環境変数に設定してください(%s: `smscast help environment` を参照)",
})
