namespace Sprout.IO;

/// <summary>
/// A well-formed checkpoint that does not fit the network: names missing from the file, names the network does not
/// have, or shapes that contradict known dimensions. Lists every problem at once; the network is left untouched.
/// </summary>
public sealed class CheckpointMismatchException(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
    IReadOnlyList<string> shapeErrors, string message) : InvalidOperationException(message)
{
    /// <summary>The checkpoint file.</summary>
    public string Path { get; } = path;
    /// <summary>Parameter names the network has and the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; } = missing;
    /// <summary>Names in the file the network does not have.</summary>
    public IReadOnlyList<string> Unexpected { get; } = unexpected;
    /// <summary>Each shape that contradicts the network or another shape of the file, described.</summary>
    public IReadOnlyList<string> ShapeErrors { get; } = shapeErrors;
}
