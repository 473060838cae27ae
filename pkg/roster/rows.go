package roster

import (
	"slices"
	"strconv"
	"strings"
)

// RowRanges names ascending row numbers compactly, runs joined with an en dash: "2–5, 9, 12–13".
// A number shared by a million rows is one short range instead of a million numbers. Row
// numbers carry no thousands separators, as Excel's row headings do not.
func RowRanges(rows []int) string {
	var b strings.Builder
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(rows[i]))
		if j > i {
			b.WriteString("–")
			b.WriteString(strconv.Itoa(rows[j]))
		}
		i = j + 1
	}
	return b.String()
}

// rowSet collects ascending row numbers as runs, so that memory follows the number of runs, not
// of rows.
type rowSet struct {
	runs [][2]int32
	n    int
}

func (s *rowSet) add(row int) {
	s.n++
	if k := len(s.runs); k > 0 && s.runs[k-1][1]+1 == int32(row) {
		s.runs[k-1][1] = int32(row)
		return
	}
	s.runs = append(s.runs, [2]int32{int32(row), int32(row)})
}

// String is RowRanges of the set.
func (s *rowSet) String() string {
	var b strings.Builder
	for i, r := range s.runs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(int(r[0])))
		if r[1] > r[0] {
			b.WriteString("–")
			b.WriteString(strconv.Itoa(int(r[1])))
		}
	}
	return b.String()
}

// rest is the set without its first row: its second row and the rest named compactly.
func (s *rowSet) rest() (int, string) {
	if s.n < 2 {
		return 0, ""
	}
	t := rowSet{runs: slices.Clone(s.runs), n: s.n - 1}
	if t.runs[0][0] == t.runs[0][1] {
		t.runs = t.runs[1:]
	} else {
		t.runs[0][0]++
	}
	return int(t.runs[0][0]), t.String()
}
