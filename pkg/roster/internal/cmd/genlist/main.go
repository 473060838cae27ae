// Command genlist writes a large fictitious patient list for benchmarking `smscast check`:
//
//	go run ./pkg/roster/internal/cmd/genlist -rows 1000000 -o /tmp/patients-1m.csv
//	go run ./pkg/roster/internal/cmd/genlist -rows 1000000 -one 090-1234-5601 -o /tmp/one-number-1m.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/smscast/smscast/pkg/roster/internal/genlist"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "number of patient rows")
	seed := flag.Uint64("seed", 1, "random seed: the same seed writes the same file")
	enc := flag.String("encoding", "cp932", "cp932 or utf-8")
	out := flag.String("o", "", "output file (required)")
	one := flag.String("one", "", "give every row this one mobile number (UTF-8): the worst case for grouping by number")
	flag.Parse()
	if *out == "" || (*enc != "cp932" && *enc != "utf-8") {
		fmt.Fprintln(os.Stderr, "usage: genlist [-rows N] [-seed S] [-encoding cp932|utf-8] -o FILE")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err == nil {
		if *one != "" {
			err = genlist.WriteOneNumber(f, *rows, *one)
		} else {
			err = genlist.Write(f, *rows, *seed, *enc)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlist:", err)
		os.Exit(1)
	}
}
