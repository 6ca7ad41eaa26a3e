package console

import (
	"bytes"
	"os"
	"regexp"
	"testing"
)

// The demo's seed uses today's administrative map (issue 12): no district
// level since 1/7/2025, and Bình Dương is part of TP. Hồ Chí Minh.
func TestSeed_todaysMap(t *testing.T) {
	src, err := os.ReadFile("seed.go")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?i)huyện|quận|Bình Dương|Tiền Giang`).Find(src); m != nil {
		t.Errorf("seed.go names %q", m)
	}
	if !bytes.Contains(src, []byte("TP. Hồ Chí Minh")) {
		t.Error("the far-away member's place is not on today's map")
	}
}
