using System.Text;

namespace Sprout.Data;

/// <summary>
/// Text for the book's language models, from files on this machine (nothing is downloaded): Debian's <c>fortunes</c>
/// (about 2.6 MB of English in /usr/share/games/fortunes) or any text file or folder, cleaned as the book cleans The Time Machine — every run of
/// characters other than letters becomes one space, and letters are lower-cased — and split into characters or words.
/// </summary>
public static class TextCorpus
{
    /// <summary>The default place of the fortunes files.</summary>
    public const string FortunesDirectory = "/usr/share/games/fortunes";

    /// <summary>The cleaned text of every fortune file in <paramref name="directory"/> (files sorted by name, so runs agree).</summary>
    public static string Fortunes(string? directory = null)
    {
        directory ??= FortunesDirectory;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"No fortunes at {directory}: install Debian's 'fortunes' package (apt-get install fortunes), or pass another folder of text files.");
        return Load(directory);
    }

    /// <summary>
    /// The cleaned text of a text file, or of every text file in a folder (names without an extension, or ending in .txt
    /// or .md; sorted by name, so runs agree), read as UTF-8.
    /// </summary>
    public static string Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path)) return Clean(File.ReadAllText(path));
        if (!Directory.Exists(path)) throw new FileNotFoundException($"TextCorpus.Load: there is no file or folder at {path}.", path);
        var files = Directory.GetFiles(path).Where(f => Path.GetExtension(f) is "" or ".txt" or ".md").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"TextCorpus.Load: {path} holds no text files (names without an extension, or ending in .txt or .md).", path);
        var text = new StringBuilder();
        foreach (var file in files) text.Append(File.ReadAllText(file)).Append(' ');
        return Clean(text.ToString());
    }

    /// <summary>Letters lower-cased; every other run of characters one space (the book's preprocessing).</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var clean = new StringBuilder(text.Length);
        bool space = false;
        foreach (char ch in text)
        {
            if (ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z')) { clean.Append(char.ToLowerInvariant(ch)); space = false; }
            else if (!space && clean.Length > 0) { clean.Append(' '); space = true; }
        }
        return clean.ToString().TrimEnd();
    }

    /// <summary>The text as one token per character.</summary>
    public static IEnumerable<string> Characters(string text) => text.Select(c => c.ToString());

    /// <summary>The text as words (split on spaces).</summary>
    public static IEnumerable<string> Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
