// Package genlist writes large fictitious patient lists, shaped like a clinic's Excel export, for
// benchmarks of the roster reader.
package genlist

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

var (
	surnames = []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林",
		"加藤", "吉田", "山口", "松本", "井上", "木村", "林", "清水", "斎藤", "森"}
	given = []string{"花子", "太郎", "一郎", "美咲", "健", "直子", "誠", "由美", "翔", "恵",
		"大輔", "明美", "浩", "さくら", "亮", "優子", "修", "愛", "裕子", "茂"}
	kanaSurnames = []string{"ヤマダ", "サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト",
		"ナカムラ", "コバヤシ", "カトウ", "ヨシダ", "ヤマグチ", "マツモト", "イノウエ", "キムラ", "ハヤシ", "シミズ",
		"サイトウ", "モリ"}
	notes = []string{"", "", "", "透析: 月水金 午前", "透析: 火木土 午後", "送迎あり", "車椅子", "家族に連絡, 娘",
		"母の携帯", "夜間は自宅"}
	mobilePrefixes = []string{"090", "080", "070"}
)

// Write writes a list of rows patients with the header 患者ID,氏名,フリガナ,携帯電話,自宅電話,備考
// in CP932 (encoding "cp932") or UTF-8, CRLF line ends, as Excel does. The same seed gives the
// same bytes. About 86% of rows carry a unique mobile number; the rest cover duplicates,
// landline-only, blank, invalid, 050, 0120 and Excel-damaged numbers.
func Write(w io.Writer, rows int, seed uint64, encoding string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var out io.Writer = bw
	var tw *transform.Writer
	if encoding == "cp932" {
		tw = transform.NewWriter(bw, japanese.ShiftJIS.NewEncoder())
		out = tw
	}
	cw := csv.NewWriter(out)
	cw.UseCRLF = true
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	if err := cw.Write([]string{"患者ID", "氏名", "フリガナ", "携帯電話", "自宅電話", "備考"}); err != nil {
		return err
	}
	rec := make([]string, 6)
	var earlier []string
	for i := range rows {
		s, g := rng.IntN(len(surnames)), rng.IntN(len(given))
		rec[0] = strconv.Itoa(100000 + i)
		rec[1] = surnames[s] + " " + given[g]
		rec[2] = kanaSurnames[s]
		rec[3], rec[4] = "", ""
		rec[5] = notes[rng.IntN(len(notes))]
		// A bijection of i onto 10000000–99999999 keeps every mobile number unique (and valid: 080-0… is toll-free).
		sub := 10_000_000 + (uint64(i)*48271+12345)%90_000_000
		mobile := fmt.Sprintf("%s-%04d-%04d", mobilePrefixes[i%3], sub/10000, sub%10000)
		switch p := rng.IntN(100); {
		case p < 80:
			rec[3] = mobile
		case p < 83:
			rec[3] = fmt.Sprintf("%s%08d", mobilePrefixes[i%3], sub) // no hyphens
		case p < 85:
			rec[3] = fmt.Sprintf("%s%08d", mobilePrefixes[i%3][1:], sub) // Excel dropped the 0
		case p < 86:
			rec[3] = mobile + "(母)"
		case p < 89:
			if len(earlier) > 0 {
				rec[3] = earlier[rng.IntN(len(earlier))] // shared number
			} else {
				rec[3] = mobile
			}
		case p < 93:
			rec[4] = fmt.Sprintf("03-%04d-%04d", sub/10000%10000, sub%10000) // landline only
		case p < 95:
			// blank
		case p < 96:
			rec[3] = fmt.Sprintf("090-%04d-%02d", sub%10000, sub%100) // too short
		case p < 97:
			rec[3] = fmt.Sprintf("050-%04d-%04d", sub/10000, sub%10000)
		case p < 98:
			rec[3] = fmt.Sprintf("0120-%03d-%03d", sub/1000%1000, sub%1000)
		case p < 99:
			rec[3] = fmt.Sprintf("%d.%02dE+09", 7+i%3, sub%100) // Excel scientific notation
		default:
			rec[3] = fmt.Sprintf("０９０－%04d－%04d", sub/10000, sub%10000) // full-width
		}
		if rec[3] == mobile && len(earlier) < 1000 && rng.IntN(100) == 0 {
			earlier = append(earlier, mobile)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if tw != nil {
		if err := tw.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteOneNumber writes a list of rows patients that all have the mobile number number (a care
// home's office number entered for every resident, or an export that repeated one row), in
// UTF-8 with the header of Write. It is the worst case for anything that groups patients by
// number.
func WriteOneNumber(w io.Writer, rows int, number string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write([]string{"患者ID", "氏名", "フリガナ", "携帯電話", "自宅電話", "備考"}); err != nil {
		return err
	}
	rec := make([]string, 6)
	for i := range rows {
		rec[0] = strconv.Itoa(100000 + i)
		rec[1] = surnames[i%len(surnames)] + " " + given[i/len(surnames)%len(given)]
		rec[2] = kanaSurnames[i%len(surnames)]
		rec[3] = number
		rec[4], rec[5] = "", "入所中"
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
