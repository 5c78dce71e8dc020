using System.Runtime.InteropServices;
using System.Text.Json;
using Sprout.Nn;

namespace Sprout.IO;

/// <summary>
/// Checkpoints in the safetensors format (an 8-byte little-endian header length, a UTF-8 JSON header with each
/// tensor's dtype, shape and data_offsets, then raw little-endian data), keyed by structural names (<c>0.weight</c>)
/// as PyTorch's state dicts are, so weights travel between frameworks.
/// </summary>
public static class SafeTensors
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
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        var header = Header(parameters, metadata);
        SafeTensorsHeader.CheckWritable((header.Length + 7) / 8 * 8, full);
        RemoveStaleTemporaries(full);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var output = wrap?.Invoke(file) ?? file;
                Write(output, parameters, header);
                output.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// Deletes temporary files that an interrupted save of <paramref name="full"/> left behind: those whose writing
    /// process is gone. A save in progress in a live process keeps its file.
    /// </summary>
    private static void RemoveStaleTemporaries(string full)
    {
        string directory = Path.GetDirectoryName(full)!, prefix = $".{Path.GetFileName(full)}.";
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
            {
                var parts = Path.GetFileName(file)[prefix.Length..].Split('.');
                if (parts.Length == 3 && int.TryParse(parts[0], out int pid) && !IsRunning(pid)) File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // best effort: the save itself decides
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static void Write(Stream output, ParameterCollection parameters, byte[] json)
    {
        int padded = (json.Length + 7) / 8 * 8;   // keep the data 8-byte aligned, padding with spaces
        var lengthBytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)padded);
        output.Write(lengthBytes);
        output.Write(json);
        for (int i = json.Length; i < padded; i++) output.WriteByte((byte)' ');
        foreach (var p in parameters.Values) WriteFloats(output, p.Data().AsSpan());
    }

    /// <summary>The JSON header, written directly (no reflection, so it also works trimmed or AOT-compiled).</summary>
    private static byte[] Header(ParameterCollection parameters, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, p) in parameters)
            {
                long bytes = (long)p.Shape.ElementCount * sizeof(float);
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in p.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteFloats(Stream output, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian) { output.Write(MemoryMarshal.AsBytes(values)); return; }
        Span<byte> four = stackalloc byte[4];
        foreach (float v in values)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(four, v);
            output.Write(four);
        }
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
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
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
            if (byName.TryGetValue(name, out var entry)) values.Add((p, ReadTensor(file, header.DataStart, entry)));
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

    private static Tensor ReadTensor(FileStream file, long dataStart, SafeTensorsEntry entry)
    {
        var values = new float[(entry.End - entry.Begin) / sizeof(float)];
        file.Position = dataStart + entry.Begin;
        file.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < values.Length; i++)
                values[i] = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
        return new Tensor(values, 0, new Shape(entry.Shape));
    }

    /// <summary>The metadata stored in a file's header (empty when there is none).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return SafeTensorsHeader.Read(file, file.Length, path, keep: static _ => false).Metadata;
    }
}
