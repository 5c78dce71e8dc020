namespace Sprout.IO;

/// <summary>The check every writer makes before it starts: the folder of the file it will write exists.</summary>
internal static class TargetFolder
{
    /// <summary>Throws, naming <paramref name="full"/> and its folder, when the folder does not exist (else the error would name a temporary file).</summary>
    public static void Require(string full)
    {
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save to {full}: its folder {directory} does not exist. Create it first (Directory.CreateDirectory), or save elsewhere. Nothing was written.");
    }
}
