namespace Sprout.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 grayscale images of clothing in ten classes, 60,000 for
/// training and 10,000 for testing. <see cref="Load"/> looks in an explicit folder, then <c>$SPROUT_DATA</c>, then
/// <see cref="SystemDirectory"/> (Debian's <c>dataset-fashion-mnist</c>), then falls back to a subset shipped inside
/// Sprout (2,000 training and 500 test images) so that samples and tests run anywhere.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The text labels of the ten classes, by index.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"];

    /// <summary>Loads a split. An explicit <paramref name="directory"/> must hold the files; otherwise the search order above applies.</summary>
    public static Dataset Load(Split split, string? directory = null)
    {
        if (directory is not null)
            return FindIn(directory, split) is { } found ? FromFiles(found.Images, found.Labels, directory)
                : throw new FileNotFoundException($"Fashion-MNIST {split} files ({FileStem(split)}-images-idx3-ubyte[.gz] and {FileStem(split)}-labels-idx1-ubyte[.gz]) were not found in '{directory}'.");
        foreach (var dir in new[] { Environment.GetEnvironmentVariable("SPROUT_DATA"), SystemDirectory })
            if (!string.IsNullOrEmpty(dir) && FindIn(dir, split) is { } files) return FromFiles(files.Images, files.Labels, dir);
        return FromEmbedded(split);
    }

    private static string FileStem(Split split) => split == Split.Train ? "train" : "t10k";

    private static (string Images, string Labels)? FindIn(string directory, Split split)
    {
        string? images = Existing(directory, $"{FileStem(split)}-images-idx3-ubyte");
        string? labels = Existing(directory, $"{FileStem(split)}-labels-idx1-ubyte");
        return images is not null && labels is not null ? (images, labels) : null;
    }

    private static string? Existing(string directory, string stem) =>
        new[] { stem + ".gz", stem }.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);

    private static Dataset FromFiles(string images, string labels, string source) =>
        Build(IdxFile.Read(images), IdxFile.Read(labels), images, labels, source, isSubset: false);

    /// <summary>Loads the subset shipped inside Sprout (2,000 training, 500 test images), wherever the full set is.</summary>
    public static Dataset LoadSubset(Split split) => FromEmbedded(split);

    private static Dataset FromEmbedded(Split split)
    {
        var assembly = typeof(FashionMnist).Assembly;
        string images = $"Sprout.Data.Subset.{FileStem(split)}-images-idx3-ubyte.gz", labels = $"Sprout.Data.Subset.{FileStem(split)}-labels-idx1-ubyte.gz";
        using var i = assembly.GetManifestResourceStream(images) ?? throw new InvalidOperationException($"The embedded resource {images} is missing from Sprout.dll.");
        using var l = assembly.GetManifestResourceStream(labels) ?? throw new InvalidOperationException($"The embedded resource {labels} is missing from Sprout.dll.");
        return Build(IdxFile.Read(i, images), IdxFile.Read(l, labels), images, labels, "embedded subset", isSubset: true);
    }

    private static Dataset Build((int[] Dims, byte[] Data) images, (int[] Dims, byte[] Data) labels, string imagesName, string labelsName, string source, bool isSubset)
    {
        if (images.Dims.Length != 3 || images.Dims[1] != 28 || images.Dims[2] != 28)
            throw new FormatException($"{imagesName}: expected images of shape (N, 28, 28); the header says ({string.Join(", ", images.Dims)}).");
        if (labels.Dims.Length != 1 || labels.Dims[0] != images.Dims[0])
            throw new FormatException($"{labelsName}: expected {images.Dims[0]} labels to match the images; the header says ({string.Join(", ", labels.Dims)}).");
        int n = images.Dims[0];
        var x = new float[images.Data.Length];
        for (int k = 0; k < x.Length; k++) x[k] = images.Data[k] / 255f;
        var y = new float[n];
        for (int k = 0; k < n; k++)
        {
            if (labels.Data[k] > 9) throw new FormatException($"{labelsName}: label {labels.Data[k]} at index {k} is not a class in 0..9.");
            y[k] = labels.Data[k];
        }
        return new Dataset(new Tensor(x, 0, new Shape(n, 1, 28, 28)), new Tensor(y, 0, new Shape(n)), source, isSubset);
    }
}
