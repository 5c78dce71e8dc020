using System.Text;

namespace Sprout.Data;

/// <summary>
/// Text for the book's language models, from files on this machine (nothing is downloaded): Debian's <c>fortunes</c>
/// (about 2.6 MB of English in /usr/share/games/fortunes), cleaned as the book cleans The Time Machine — every run of
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
        var files = Directory.GetFiles(directory).Where(f => Path.GetExtension(f) is "" or ".txt").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"{directory} holds no fortune text files (names without an extension).");
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
