namespace Sprout.IO;

/// <summary>
/// A well-formed checkpoint that does not fit the network: names missing from the file, names the network does not
/// have, or shapes that contradict known dimensions. Lists every problem at once; the network is left untouched.
/// </summary>
public sealed class CheckpointMismatchException(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
    IReadOnlyList<string> shapeErrors, string message) : InvalidOperationException(message)
{
    public string Path { get; } = path;
    public IReadOnlyList<string> Missing { get; } = missing;
    public IReadOnlyList<string> Unexpected { get; } = unexpected;
    public IReadOnlyList<string> ShapeErrors { get; } = shapeErrors;
}
