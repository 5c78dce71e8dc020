using System.Runtime.InteropServices;
using System.Text.Json;

namespace Sprout.IO;

/// <summary>
/// Writes and reads the tensors of a safetensors file (an 8-byte little-endian header length, a UTF-8 JSON header with
/// each tensor's dtype, shape and data_offsets, then raw little-endian float32 data). Writing is atomic: a temporary
/// file in the same folder, flushed to disk, then renamed over the target, so an error part-way leaves any previous file
/// intact; temporaries an interrupted save left behind are removed by the next save of the same file.
/// </summary>
internal static class SafeTensorsFile
{
    /// <summary>
    /// Opens <paramref name="path"/> to read, or throws a <see cref="FileNotFoundException"/> (or
    /// <see cref="DirectoryNotFoundException"/>) that says where a relative path was looked for and how to make the file.
    /// </summary>
    public static FileStream OpenRead(string path, int bufferSize = 1 << 16)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            string message = $"Cannot load {path}: there is no such file{(Path.IsPathRooted(path) ? "" : $" (a relative path, looked for in {Environment.CurrentDirectory})")}. " +
                "Check the path, or write the file first (SaveParameters, SaveTensors).";
            throw e is FileNotFoundException ? new FileNotFoundException(message, path, e) : new DirectoryNotFoundException(message, e);
        }
    }

    /// <summary>Writes <paramref name="tensors"/> (name, values) to <paramref name="path"/>; <paramref name="wrap"/> lets tests inject failures.</summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Data)> tensors, IReadOnlyDictionary<string, string>? metadata,
                             Func<Stream, Stream>? wrap = null)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        TargetFolder.Require(full);
        var header = Header(tensors, metadata);
        SafeTensorsHeader.CheckWritable((header.Length + 7) / 8 * 8, full);
        RemoveStaleTemporaries(full);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var output = wrap?.Invoke(file) ?? file;
                Write(output, tensors, header);
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

    private static void Write(Stream output, IReadOnlyList<(string Name, Tensor Data)> tensors, byte[] json)
    {
        int padded = (json.Length + 7) / 8 * 8;   // keep the data 8-byte aligned, padding with spaces
        var lengthBytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)padded);
        output.Write(lengthBytes);
        output.Write(json);
        for (int i = json.Length; i < padded; i++) output.WriteByte((byte)' ');
        foreach (var (_, data) in tensors) WriteFloats(output, data.AsSpan());
    }

    /// <summary>The JSON header, written directly (no reflection, so it also works trimmed or AOT-compiled).</summary>
    private static byte[] Header(IReadOnlyList<(string Name, Tensor Data)> tensors, IReadOnlyDictionary<string, string>? metadata)
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
            foreach (var (name, data) in tensors)
            {
                long bytes = (long)data.Length * sizeof(float);
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in data.Shape) json.WriteNumberValue(d);
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

    /// <summary>The values of <paramref name="entry"/>, read from the data section (which starts at <paramref name="dataStart"/>).</summary>
    public static Tensor ReadTensor(FileStream file, long dataStart, SafeTensorsEntry entry)
    {
        if (entry.Shape.Any(d => d <= 0))
            throw new FormatException($"{file.Name}: entry '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}]; Sprout's tensors have no empty dimensions.");
        var values = new float[(entry.End - entry.Begin) / sizeof(float)];
        file.Position = dataStart + entry.Begin;
        file.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < values.Length; i++)
                values[i] = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
        return new Tensor(values, 0, new Shape(entry.Shape));
    }

}
