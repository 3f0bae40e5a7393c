package bot

import (
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// reVerb finds fmt verbs: %%, or % with an optional [n] index, flags, width and the verb.
var reVerb = regexp.MustCompile(`%(?:%|(\[\d+\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z]))`)

// placeholders lists the arguments a text uses, as "n:verb", sorted: two texts that
// fill the same arguments the same way have the same list, whatever their word order.
func placeholders(s string) []string {
	var out []string
	next := 1
	for _, m := range reVerb.FindAllStringSubmatch(s, -1) {
		if m[0] == "%%" {
			continue
		}
		n := next
		if m[1] != "" {
			n = atoi(strings.Trim(m[1], "[]"))
		}
		out = append(out, argNum(n)+":"+m[2])
		next = n + 1
	}
	sort.Strings(out)
	// Each argument once: a text may name the same argument twice (%[2]s … %[2]s).
	return compact(out)
}

func compact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func argNum(n int) string { return string(rune('0'+n/10%10)) + string(rune('0'+n%10)) }

// variants returns every text of key in lang: the plain one, or each plural form.
func (c *Catalog) variants(lang, key string) []string {
	if s, ok := c.msgs[lang][key]; ok {
		return []string{s}
	}
	var out []string
	for _, s := range c.plurals[lang][key] {
		out = append(out, s)
	}
	return out
}

func (c *Catalog) keys(lang string) []string {
	var out []string
	for k := range c.msgs[lang] {
		if base, _, ok := pluralKey(k); ok {
			k = base
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return compact(out)
}

// Every shipped language has every English key, with the same arguments in every
// variant, and no key English lacks.
func TestCatalogTranslationsComplete(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Languages()) < 2 {
		t.Fatalf("languages: %v", cat.Languages())
	}
	for _, lang := range cat.Languages() {
		if lang == DefaultLang {
			continue
		}
		for _, k := range cat.keys(DefaultLang) {
			if !cat.has(lang, k) {
				t.Errorf("%s: %s is missing", lang, k)
				continue
			}
			want := strings.Join(placeholders(cat.variants(DefaultLang, k)[0]), " ")
			for _, v := range cat.variants(DefaultLang, k)[1:] {
				if got := strings.Join(placeholders(v), " "); got != want {
					t.Errorf("%s: %s: English variants disagree: %q vs %q", DefaultLang, k, got, want)
				}
			}
			for _, v := range cat.variants(lang, k) {
				if got := strings.Join(placeholders(v), " "); got != want {
					t.Errorf("%s: %s: arguments %q, English has %q: %q", lang, k, got, want, v)
				}
			}
		}
		for _, k := range cat.keys(lang) {
			if !cat.has(DefaultLang, k) {
				t.Errorf("%s: %s is not an English key (a typo, or a removed text)", lang, k)
			}
		}
	}
}

func TestPlaceholders(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Logged on #%[2]d: %[1]s.", "01:s 02:d"},
		{"%d won of %d closed (%d%%)", "01:d 02:d 03:d"},
		{"Invite %[1]s: %[2]s … /start %[2]s", "01:s 02:s"},
		{"%q is not", "01:q"},
		{"no verbs", ""},
	} {
		if got := strings.Join(placeholders(tc.in), " "); got != tc.want {
			t.Errorf("placeholders(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Plural variants follow CLDR: Croatian one/few/other (1, 21 → one; 2–4, 22 → few;
// 5, 11–14 → other), English one/other.
func TestCatalogPlural(t *testing.T) {
	cat, err := LoadCatalogFS(fstest.MapFS{
		"en.txt": {Data: []byte("n[one] = %d interest\nn[other] = %d interests\nplain = %d x\n")},
		"hr.txt": {Data: []byte("n[one] = %d interes\nn[few] = %d interesa\nn[other] = %d interesa!\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		n    any
		want string
	}{
		{"en", 1, "1 interest"}, {"en", 2, "2 interests"}, {"en", 0, "0 interests"},
		{"hr", 1, "1 interes"}, {"hr", 21, "21 interes"}, {"hr", 2, "2 interesa"}, {"hr", 24, "24 interesa"},
		{"hr", 5, "5 interesa!"}, {"hr", 11, "11 interesa!"}, {"hr", 12, "12 interesa!"}, {"hr", uint64(101), "101 interes"},
		{"hr", 0, "0 interesa!"},
		// a language without the key falls back to English with English rules
		{"de", 1, "1 interest"},
	} {
		if got := cat.T(tc.lang, "n", tc.n); got != tc.want {
			t.Errorf("T(%s, n, %v) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := cat.T("hr", "plain", 3); got != "3 x" {
		t.Errorf("plain key in fallback: %q", got)
	}
}

func TestCatalogBadFiles(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"no other":       {"en.txt": {Data: []byte("a[one] = one\n")}},
		"unknown form":   {"en.txt": {Data: []byte("a[single] = one\n")}},
		"plain + plural": {"en.txt": {Data: []byte("a = x\na[other] = y\n")}},
		"no english":     {"hr.txt": {Data: []byte("a = x\n")}},
		"bad line":       {"en.txt": {Data: []byte("just text\n")}},
	} {
		if _, err := LoadCatalogFS(files); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// A third language is files only: the shipped catalogs plus a three-key German file
// from testdata make "de" a language, its texts used and the rest in English.
func TestCatalogThirdLanguageIsFiles(t *testing.T) {
	shipped, err := fs.Sub(catalogFS, "catalog")
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{}
	names, _ := fs.Glob(shipped, "*.txt")
	for _, n := range names {
		b, _ := fs.ReadFile(shipped, n)
		files[n] = &fstest.MapFile{Data: b}
	}
	de, err := os.ReadFile("testdata/catalog_de/de.txt")
	if err != nil {
		t.Fatal(err)
	}
	files["de.txt"] = &fstest.MapFile{Data: de}
	cat, err := LoadCatalogFS(files)
	if err != nil {
		t.Fatal(err)
	}
	if !cat.HasLang("de") || !strings.Contains(strings.Join(cat.Languages(), ","), "de") {
		t.Fatalf("de not a language: %v", cat.Languages())
	}
	for _, tc := range []struct {
		key  string
		args []any
		want string
	}{
		{"lang.saved", []any{"de"}, "Sprache: de."},
		{"my.title", []any{1}, "Ihr offenes Interesse (1):"},
		{"my.title", []any{3}, "Ihre offenen Interessen (3):"},
		{"cancel.done", nil, cat.T("en", "cancel.done")},
	} {
		if got := cat.T("de", tc.key, tc.args...); got != tc.want {
			t.Errorf("T(de, %s) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

// BenchmarkCatalogT: a plain text and a plural one (the CLDR rule lookup), as every
// reply line pays them.
func BenchmarkCatalogT(b *testing.B) {
	cat, err := LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = cat.T("hr", "stage.saved", 42, "ponuda")
		}
	})
	b.Run("plural", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = cat.T("hr", "my.title", 23)
		}
	})
}
