using System.Text.Json;

namespace Sprout.IO;

/// <summary>
/// The parsed and validated header of a safetensors file: for each tensor its dtype, shape and byte range in the data
/// section, checked against the file's size before anything is allocated.
/// </summary>
internal sealed record SafeTensorsHeader(long DataStart, IReadOnlyList<SafeTensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Headers larger than this are rejected (the reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static SafeTensorsHeader Read(Stream file, long fileLength, string path)
    {
        if (fileLength < 8)
            throw new FormatException($"{path}: {fileLength} bytes is too short for a safetensors file (an 8-byte header length comes first).");
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
            throw new FormatException($"{path}: the header length at offset 0 says {headerLength} bytes, but the file has {fileLength - 8} bytes after it (limit {MaxHeaderBytes}).");
        var json = new byte[headerLength];
        file.ReadExactly(json);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw new FormatException($"{path}: the header (offset 8, {headerLength} bytes) is not valid UTF-8.");
        JsonDocument document;
        try { document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw new FormatException($"{path}: the JSON header (offset 8, {headerLength} bytes) is malformed: {e.Message}", e); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{path}: the JSON header must be an object; it is {document.RootElement.ValueKind}.");
            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new FormatException($"{path}: the header names '{property.Name}' twice.");
                if (property.Name == "__metadata__") ReadMetadata(property.Value, metadata, path);
                else entries.Add(ReadEntry(property, dataLength, path));
            }
            CheckNoOverlap(entries, path);
            return new SafeTensorsHeader(dataStart, entries, metadata);
        }
    }

    private static SafeTensorsEntry ReadEntry(JsonProperty property, long dataLength, string path)
    {
        string name = property.Name;
        var e = property.Value;
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new FormatException($"{path}: entry '{name}' needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" ([begin, end]).");
        if (dtype.GetString() != "F32")
            throw new FormatException($"{path}: entry '{name}' has dtype {dtype.GetString()}; Sprout reads F32 (float32) tensors.");
        var dims = new List<int>();
        long count = 1;
        foreach (var d in shape.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int v) || v < 0)
                throw new FormatException($"{path}: entry '{name}' has a shape entry {d} that is not a non-negative 32-bit integer.");
            dims.Add(v);
            count *= v;
            if (count > Array.MaxLength)
                throw new FormatException($"{path}: entry '{name}' declares shape [{string.Join(", ", dims)}...], more elements than an array can hold.");
        }
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
            throw new FormatException($"{path}: entry '{name}' has data_offsets {offsets} outside the data section of {dataLength} bytes.");
        if (end - begin != count * sizeof(float))
            throw new FormatException($"{path}: entry '{name}' has shape [{string.Join(", ", dims)}] ({count} floats, {count * 4} bytes) but data_offsets span {end - begin} bytes.");
        return new SafeTensorsEntry(name, [.. dims], begin, end);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{path}: \"__metadata__\" must be an object of strings.");
        foreach (var p in value.EnumerateObject())
            metadata[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                : throw new FormatException($"{path}: \"__metadata__\" entry '{p.Name}' is not a string.");
    }

    private static void CheckNoOverlap(List<SafeTensorsEntry> entries, string path)
    {
        var sorted = entries.OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new FormatException($"{path}: entries '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap in the data section (bytes {sorted[i].Begin} < {sorted[i - 1].End}).");
    }
}

/// <summary>One tensor of a safetensors file: name, shape, and byte range [Begin, End) within the data section.</summary>
internal sealed record SafeTensorsEntry(string Name, int[] Shape, long Begin, long End);
