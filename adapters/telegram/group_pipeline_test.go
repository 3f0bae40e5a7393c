package telegram

import (
	"fmt"
	"strings"
	"testing"
)

// A head's "/pipeline @Ana Horvat" in a group: the group gets the counts; the list
// of Ana's open interests (client names) goes to the head's private chat.
func TestE2EGroupPipelineOfAManagerListsClientsPrivately(t *testing.T) {
	w := newWorld(t)
	const group, anaID = -100778, 555
	expect(t, w.say(adminID, "/team add Ana Horvat manager corporate Europe/Zagreb telegram:555"), "Added")
	expect(t, w.say(anaID, "/new Marko Đurić, Acme d.o.o."), "Created #1")

	r := w.deliver(func(id int) string {
		return groupText(id, group, adminID, "Boss", "/pipeline@"+testBotName+" @Ana Horvat")
	})
	var counts, list bool
	for _, c := range r {
		text := c.Params["text"]
		switch c.Params["chat_id"] {
		case fmt.Sprint(group):
			if strings.Contains(text, "Acme") || strings.Contains(text, "Marko") {
				t.Errorf("a client's details are posted to the group: %q", text)
			}
			counts = counts || strings.Contains(text, "Ana Horvat: 1 open")
		case fmt.Sprint(adminID):
			list = list || strings.Contains(text, "#1 Marko Đurić · Acme d.o.o.")
		}
	}
	if !counts || !list {
		t.Errorf("want the counts in the group and the list in the private chat; got:\n%s", texts(r))
	}
}
