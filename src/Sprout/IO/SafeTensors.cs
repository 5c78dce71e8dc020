using Sprout.Nn;

namespace Sprout.IO;

/// <summary>
/// Checkpoints in the safetensors format (an 8-byte little-endian header length, a UTF-8 JSON header with each
/// tensor's dtype, shape and data_offsets, then raw little-endian data), keyed by structural names (<c>0.weight</c>)
/// as PyTorch's state dicts are, so weights travel between frameworks.
/// </summary>
public static partial class SafeTensors
{
    /// <summary>
    /// Saves every parameter of <paramref name="block"/>. The file is written to a temporary file in the same folder,
    /// flushed to disk, then renamed over <paramref name="path"/>: an error part-way leaves any previous file intact.
    /// </summary>
    public static void SaveParameters(this Block block, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(block, path, metadata, wrap: null);

    /// <summary>The save, with a hook that wraps the output stream (tests inject failures through it).</summary>
    internal static void Save(Block block, string path, IReadOnlyDictionary<string, string>? metadata, Func<Stream, Stream>? wrap)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parameters = block.CollectParams();
        var pending = parameters.Where(kv => !kv.Value.IsInitialized).Select(kv => $"{kv.Key} {kv.Value.Shape}").ToList();
        if (pending.Count > 0)
            throw new InvalidOperationException(
                $"Cannot save: {pending.Count} parameter(s) are not filled yet ({string.Join(", ", pending)}). Run a forward pass or Build(shape) first.");
        SafeTensorsFile.Write(path, [.. parameters.Select(kv => (kv.Key, kv.Value.Data()))], metadata, wrap);
    }

    /// <summary>
    /// Loads parameters saved by <see cref="SaveParameters"/> (or any F32 safetensors file with matching names).
    /// Deferred parameters take their shapes from the file and are filled without running an initializer; filled ones
    /// must match. With <paramref name="strict"/>, every missing and unexpected name is reported at once in a
    /// <see cref="CheckpointMismatchException"/>; otherwise the intersection is loaded and the rest returned.
    /// A malformed file is a <see cref="FormatException"/> naming the reason and offset. On any error nothing changes.
    /// </summary>
    public static LoadResult LoadParameters(this Block block, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafeTensorsFile.OpenRead(path);
        var parameters = block.CollectParams();
        int maxEntries = strict ? 2 * parameters.Count + 1000 : int.MaxValue;   // a strict load still lists a few unexpected names
        var header = SafeTensorsHeader.Read(file, file.Length, path, parameters.ContainsKey, maxEntries,
            $"this {block.GetType().Name} has {parameters.Count} parameters, so a strict load could never use them; pass strict: false to load the ones it has");
        var byName = header.Entries.ToDictionary(e => e.Name);
        var missing = parameters.Keys.Where(k => !byName.ContainsKey(k)).ToList();
        var unexpected = header.Skipped;
        var shapeErrors = parameters.Where(kv => byName.ContainsKey(kv.Key))
            .Select(kv => (kv.Key, kv.Value.Shape, File: byName[kv.Key].Shape))
            .Where(t => !Fits(t.Shape, t.File))
            .Select(t => $"{t.Key}: network {t.Shape}, file ({string.Join(", ", t.File)})").ToList();
        if (shapeErrors.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new CheckpointMismatchException(path, missing, unexpected, shapeErrors,
                $"{path} does not fit this {block.GetType().Name}; nothing was loaded." +
                (missing.Count > 0 ? $" Missing from the file: {string.Join(", ", missing)}." : "") +
                (unexpected.Count > 0 ? $" Not in the network: {string.Join(", ", unexpected)}." : "") +
                (shapeErrors.Count > 0 ? $" Shapes that disagree: {string.Join("; ", shapeErrors)}." : "") +
                (shapeErrors.Count == 0 ? " Pass strict: false to load the parameters both have." : ""));
        var values = new List<(Parameter Parameter, Tensor Value)>();
        foreach (var (name, p) in parameters)
            if (byName.TryGetValue(name, out var entry)) values.Add((p, SafeTensorsFile.ReadTensor(file, header.DataStart, entry)));
        SetAllOrNothing(block, path, values);
        return new LoadResult(missing, unexpected);
    }

    /// <summary>
    /// Sets every value, then checks the shapes against one another as the layers' rules require (a deferred network
    /// takes its shapes from the file, which may contradict itself); on any error every parameter is put back.
    /// </summary>
    private static void SetAllOrNothing(Block block, string path, List<(Parameter Parameter, Tensor Value)> values)
    {
        var journal = ForwardJournal.Begin() ?? throw new InvalidOperationException($"Cannot load {path} from inside a forward pass.");
        try
        {
            foreach (var (p, value) in values) p.SetData(value);
            var conflicts = block.ShapeConflicts();
            if (conflicts.Count > 0)
                throw new CheckpointMismatchException(path, [], [], conflicts,
                    $"{path} does not fit this {block.GetType().Name}: its shapes contradict one another as the network connects them ({string.Join("; ", conflicts)}). " +
                    "Nothing was loaded; the file belongs to a network of other sizes.");
            journal.Commit();
        }
        catch
        {
            journal.Rollback();
            throw;
        }
    }

    private static bool Fits(Shape shape, int[] file) =>
        file.All(d => d > 0) && shape.Rank == file.Length && shape.IsCompatibleWith(new Shape(file));

    /// <summary>The metadata stored in a file's header (empty when there is none).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafeTensorsFile.OpenRead(path, 4096);
        return SafeTensorsHeader.Read(file, file.Length, path, metadataOnly: true).Metadata;
    }
}
