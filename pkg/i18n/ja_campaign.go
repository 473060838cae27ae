package i18n

// The sentences of pkg/campaign's input errors (bad's formats and hints).
var _ = addJA(map[string]string{
	"%d of %d numbers are not valid in region %s, but %d of the %d looked at are numbers of %s: is the region right? (--region %s)": "%d件中%d件の番号が地域 %s の番号として正しくありませんが、調べた%d件中%d件は %s の番号です。地域の設定は合っていますか?(--region %s)",
	"%s changed while the send was being prepared": "送信の準備中に %s が変更されました",
	"--ack: %s: %s":     "--ack: %s: %s",
	"--campaign %q: %v": "--campaign %q: %v",
	"--campaign %q: not a usable campaign ID (it names the report files, on Windows too): it %s": "--campaign %q: キャンペーンIDとして使えません(報告書のファイル名になるため、Windows でも使える名前にしてください): %s",
	"--only %q: not a recipient group":                          "--only %q: 送り先のグループではありません",
	"--only %s: campaign %s did not ask for replies":            "--only %s: キャンペーン %s では返信をお願いしていません",
	"--recipients-of %s: no such campaign":                      "--recipients-of %s: そのキャンペーンはありません",
	"--recipients-of %s: there is no journal yet":               "--recipients-of %s: 送信記録(ジャーナル)がまだありません",
	"--rows %q: %q is not a row number or range":                "--rows %q: %q は行番号でも行の範囲でもありません",
	"--rows: every row given is beyond the last row of %s (%d)": "--rows: 指定した行はすべて %s の最後の行(%d)より後ろです",
	"--test: no test group configured":                          "--test: テスト送信先(test_group)が設定されていません",
	"set region in the config (or --region) to the country of the numbers written without +country code; nothing was sent": "設定ファイルの region(または --region)を、+国番号なしで書かれた番号の国にしてください。何も送信していません",
	"test_group: %s: no such file":                                      "test_group: %s: ファイルがありません",
	"the message is %d characters long for %s, and %s sends at most %d": "%[2]s へのメッセージは %[1]d 文字ですが、%[3]s が送れるのは %[4]d 文字までです",
})
