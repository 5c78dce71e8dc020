using System.Text;
using Sprout.Data;

namespace Sprout.Samples;

/// <summary>
/// Text for the language-model samples: Debian's fortunes when they are installed (<c>scripts/setup.sh</c> installs
/// them), else the project's own documentation and sources, which every clone holds. Never a download.
/// </summary>
public static class SampleText
{
    /// <summary>The cleaned corpus and where it came from.</summary>
    public static (string Text, string Source) Load()
    {
        if (Directory.Exists(TextCorpus.FortunesDirectory)) return (TextCorpus.Fortunes(), $"Debian's fortunes ({TextCorpus.FortunesDirectory})");
        var root = ProjectRoot() ?? throw new DirectoryNotFoundException(
            $"No fortunes at {TextCorpus.FortunesDirectory}, and no Sprout checkout around {Environment.CurrentDirectory} to read instead: " +
            "install Debian's 'fortunes' package (bash scripts/setup.sh does), or run the sample from inside the repository.");
        var files = Directory.EnumerateFiles(root, "*.md", SearchOption.TopDirectoryOnly)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "src"), "*.*", SearchOption.AllDirectories)
                .Where(f => Path.GetExtension(f) is ".cs" or ".md" && !IsBuildOutput(f)))
            .Order(StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        foreach (var file in files) text.Append(File.ReadAllText(file)).Append(' ');
        return (TextCorpus.Clean(text.ToString()), $"the project's own documentation and sources ({files.Count} files; install 'fortunes' for the full corpus)");
    }

    /// <summary>The nearest folder, from the current one up, that holds Sprout.slnx.</summary>
    private static string? ProjectRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sprout.slnx"))) return dir.FullName;
        return null;
    }

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");
}
