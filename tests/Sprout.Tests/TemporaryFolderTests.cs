namespace Sprout.Tests;

/// <summary>A test class with a fresh folder of its own for files, deleted with everything in it after each test.</summary>
public abstract class TemporaryFolderTests : IDisposable
{
    /// <summary>The folder, unique to this test.</summary>
    protected string Folder { get; } = Directory.CreateTempSubdirectory("sprout-tests-").FullName;

    /// <summary>A path in the folder.</summary>
    protected string PathOf(string name) => Path.Combine(Folder, name);

    /// <inheritdoc/>
    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
