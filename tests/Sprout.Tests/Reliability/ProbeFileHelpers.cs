using System.Text;

namespace Sprout.Tests.Reliability;

/// <summary>Writes safetensors files by hand, as a hostile or foreign writer would.</summary>
internal static class ProbeFileHelpers
{
    /// <summary>A file of the given JSON header followed by <paramref name="dataBytes"/> zero bytes.</summary>
    public static byte[] File(string json, int dataBytes = 0)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var b = new byte[8 + h.Length + dataBytes];
        BitConverter.GetBytes((ulong)h.Length).CopyTo(b, 0);
        h.CopyTo(b, 8);
        return b;
    }

    /// <summary>A well-formed file holding tensors of the given names and shapes, filled with 0.5.</summary>
    public static byte[] Tensors(params (string Name, int[] Shape)[] tensors)
    {
        var json = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, d) => a * d) * 4;
            if (json.Length > 1) json.Append(',');
            json.Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        var bytesOut = File(json.Append('}').ToString(), (int)offset);
        int start = bytesOut.Length - (int)offset;
        for (int i = start; i < bytesOut.Length; i += 4) BitConverter.GetBytes(0.5f).CopyTo(bytesOut, i);
        return bytesOut;
    }

    /// <summary>A header of <paramref name="count"/> zero-size entries: tiny per entry, costly to a careless reader.</summary>
    public static byte[] ManyEmptyEntries(int count)
    {
        var json = new StringBuilder("{");
        for (int i = 0; i < count; i++)
        {
            if (i > 0) json.Append(',');
            json.Append($"\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        }
        return File(json.Append('}').ToString());
    }
}
