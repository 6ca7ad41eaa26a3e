package chat

import (
	"fmt"
	"testing"
)

func TestStrictest(t *testing.T) {
	link := func(p string) string { return "x/" + p }
	a := Caps{MaxText: 4096, Buttons: true, MaxButtons: 100, MaxPerRow: 8, ButtonData: 64, Documents: true, Pictures: true, DeepLink: link}
	b := Caps{MaxText: 2000, MaxButtons: 100, MaxPerRow: 8, Pictures: true} // no buttons, no data limit
	got := Strictest(a, b)
	want := Caps{MaxText: 2000, MaxButtons: 100, MaxPerRow: 8, ButtonData: 64, Pictures: true}
	if got.DeepLink != nil {
		t.Error("a deep link of one messenger is not everyone's")
	}
	got.DeepLink = nil
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("Strictest = %+v, want %+v", got, want)
	}
	if one := Strictest(a); one.MaxText != 4096 || !one.Buttons || one.DeepLink != nil {
		t.Errorf("Strictest of one = %+v", one)
	}
	if none := Strictest(); fmt.Sprintf("%+v", none) != fmt.Sprintf("%+v", Caps{}) {
		t.Errorf("Strictest of none = %+v", none)
	}
}
