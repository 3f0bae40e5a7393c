package bot

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
)

// The message catalogs: files named <lang>.txt or <lang>.<part>.txt, "key = text" per
// line, with fmt verbs for arguments (%[2]s to reorder). A translation is a new file,
// not a code change.
//
//go:embed catalog/*.txt
var catalogFS embed.FS

// DefaultLang is the language used when a user has none or a key is missing in theirs.
const DefaultLang = "en"

// Catalog holds the user-facing texts of every language.
type Catalog struct {
	msgs map[string]map[string]string
}

// LoadCatalog reads the embedded catalogs.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	files, err := catalogFS.ReadDir("catalog")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := catalogFS.ReadFile(path.Join("catalog", f.Name()))
		if err != nil {
			return nil, err
		}
		// "en.txt" and "en.reports.txt" are both English: a feature may bring its
		// texts in a file of its own.
		lang, _, _ := strings.Cut(strings.TrimSuffix(f.Name(), ".txt"), ".")
		m, err := parseCatalog(b)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f.Name(), err)
		}
		if c.msgs[lang] == nil {
			c.msgs[lang] = map[string]string{}
		}
		for k, v := range m {
			if _, dup := c.msgs[lang][k]; dup {
				return nil, fmt.Errorf("catalog %s: %s is defined in another %s file too", f.Name(), k, lang)
			}
			c.msgs[lang][k] = v
		}
	}
	if c.msgs[DefaultLang] == nil {
		return nil, fmt.Errorf("catalog: no %s.txt", DefaultLang)
	}
	return c, nil
}

func parseCatalog(b []byte) (map[string]string, error) {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want key = text", n)
		}
		k = strings.TrimSpace(k)
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("line %d: %s defined twice", n, k)
		}
		m[k] = strings.ReplaceAll(strings.TrimSpace(v), `\n`, "\n")
	}
	return m, sc.Err()
}

// Languages lists the languages that have a catalog.
func (c *Catalog) Languages() []string {
	var out []string
	for l := range c.msgs {
		out = append(out, l)
	}
	sort.Strings(out) // map order would change the reply from run to run
	return out
}

// Has reports whether key exists in the default language.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[DefaultLang][key]
	return ok
}

// T returns the text for key in lang (falling back to the default language, then to
// the key itself), formatted with args.
func (c *Catalog) T(lang, key string, args ...any) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		if s, ok = c.msgs[DefaultLang][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
