package message

import (
	"errors"
	"testing"
)

func TestAPersonsNameAndPhoneWinOverTheListsColumnsOfThoseNames(t *testing.T) {
	row := map[string]string{"Name": "列の名前", "Phone": "列の番号", "Room": "3"}
	for _, tc := range []struct {
		name, text string
	}{
		{"a text that names its fields", "{{.Name}} {{.Phone}} {{.Room}}"},
		{"a text that uses its data whole", `{{index . "Name"}} {{index . "Phone"}} {{.Room}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := adHoc(t, tc.text)
			copied := map[string]string{"Name": "山田 花子", "Phone": "+819012345601", "Room": "3"}
			want, err := tm.RenderAll([]Input{{Row: 2, Fields: copied}}, Env{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tm.RenderAll([]Input{{Row: 2, Fields: row, Person: true, Name: "山田 花子", Phone: "+819012345601"}}, Env{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != want[0] || want[0] != "山田 花子 +819012345601 3" {
				t.Errorf("got %q, want %q", got[0], want[0])
			}
		})
	}
}

func TestARendererReportsTheProblemsOfEveryRowItRendered(t *testing.T) {
	tm := adHoc(t, "{{.Name}}様 {{.Room}}")
	r, err := tm.NewRenderer(Env{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []Input{
		{Row: 2, Person: true, Name: "山田", Fields: map[string]string{"Room": "1"}},
		{Row: 3, Person: true, Fields: map[string]string{"Room": "2"}},
		{Row: 4, Person: true, Name: "佐藤"},
	} {
		got, ok, err := r.Render(in)
		if err != nil {
			t.Fatal(err)
		}
		if ok != (in.Row == 2) || ok && got.Body != "山田様 1" {
			t.Errorf("row %d: %q, %t", in.Row, got.Body, ok)
		}
	}
	var me *MissingError
	if err := r.Err(); !errors.As(err, &me) || len(me.Fields) != 2 || me.Fields[0].Field != "Name" ||
		len(me.Fields[0].Rows) != 1 || me.Fields[0].Rows[0] != 3 || me.Fields[1].Rows[0] != 4 {
		t.Errorf("err = %v (%+v)", err, me)
	}
}
