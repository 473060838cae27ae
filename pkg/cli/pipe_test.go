package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestBrokenPipeOnEachOS(t *testing.T) {
	tests := []struct {
		name string
		goos string
		err  error
		want bool
	}{
		{"EPIPE on Linux", "linux", &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, true},
		{"EPIPE on macOS", "darwin", syscall.EPIPE, true},
		{"ERROR_NO_DATA on Windows", "windows", &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.Errno(232)}, true},
		{"ERROR_BROKEN_PIPE on Windows", "windows", syscall.Errno(109), true},
		{"a full disk is not a closed pipe", "linux", syscall.ENOSPC, false},
		{"Windows' access denied is not a closed pipe", "windows", syscall.Errno(5), false},
		{"an error without an errno is not", "linux", errors.New("broken pipe"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := brokenPipe(tt.goos, tt.err); got != tt.want {
				t.Errorf("brokenPipe = %v, want %v", got, tt.want)
			}
		})
	}
}

// pipeDeps is a Deps whose stdout is w and whose environment is env alone.
func pipeDeps(w io.Writer, stderr *bytes.Buffer, env map[string]string) *Deps {
	return &Deps{
		Stdin: strings.NewReader(""), Stdout: w, Stderr: stderr,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Now:       time.Now, Version: "test",
	}
}

// pipeDrill sends a drill on the simulator, so that history has a campaign to print.
func pipeDrill(t *testing.T, dir string, env map[string]string) {
	t.Helper()
	var out, stderr bytes.Buffer
	d := pipeDeps(nil, &stderr, env)
	d.Stdout = &out
	if code := Main(context.Background(), d, []string{"send", "outage", "--to", fixture, "--report-dir", dir, "--yes"}); code != ExitOK {
		t.Fatalf("drill: exit %d: %s", code, stderr.String())
	}
}

// TestClosedPipeEndsQuietly runs commands with a real pipe for stdout whose reader is already
// gone, as `smscast history | head -1` leaves it once head has its line.
func TestClosedPipeEndsQuietly(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "XDG_CONFIG_HOME": filepath.Join(dir, "config"), "XDG_DATA_HOME": filepath.Join(dir, "data"),
		"APPDATA": filepath.Join(dir, "config"), "LOCALAPPDATA": filepath.Join(dir, "data")}
	pipeDrill(t, dir, env)
	for _, args := range [][]string{{"help", "environment"}, {"history"}, {"version"}, {"--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			defer w.Close()
			var stderr bytes.Buffer
			code := Main(context.Background(), pipeDeps(w, &stderr, env), args)
			if code != ExitOK || stderr.Len() != 0 {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", code, stderr.String())
			}
		})
	}
}

// TestClosedPipeEndsTheBinaryQuietly builds smscast and runs it as a shell pipeline does, where
// stdout is the process's own fd 1 and Go would raise SIGPIPE.
func TestClosedPipeEndsTheBinaryQuietly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "smscast")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, "github.com/smscast/smscast/cmd/smscast")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	pipeDrill(t, dir, map[string]string{"HOME": dir, "XDG_CONFIG_HOME": filepath.Join(dir, "config"), "XDG_DATA_HOME": filepath.Join(dir, "data"),
		"APPDATA": filepath.Join(dir, "config"), "LOCALAPPDATA": filepath.Join(dir, "data")})
	for _, args := range [][]string{{"help", "environment"}, {"history"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // head has read its line and exited
			var stderr bytes.Buffer
			cmd := exec.Command(bin, args...)
			cmd.Stdout, cmd.Stderr = w, &stderr
			cmd.Env = []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
				"APPDATA=" + filepath.Join(dir, "config"), "LOCALAPPDATA=" + filepath.Join(dir, "data")}
			err = cmd.Run()
			w.Close()
			if err != nil || stderr.Len() != 0 {
				t.Errorf("smscast %s | head: %v, stderr %q; want exit 0 and nothing", strings.Join(args, " "), err, stderr.String())
			}
		})
	}
}
