// An MSBuild inline task (RoslynCodeTaskFactory, compiled against .NET Standard at build time), not part of the program.
// TorchSharp 0.107.0's native wrapper libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13's libstdc++), which
// Debian 12 lacks; the one symbol under that version is referenced but never called (../../../shared/NOTES.md).
// This marks that version requirement weak (VER_FLG_WEAK in its Vernaux entry of .gnu.version_r) in the copy under
// bin/, so the dynamic loader accepts the library. The NuGet cache is never touched.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    [Required] public string Library { get; set; } = "";
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(Library)) { Log.LogMessage(MessageImportance.High, $"{Library} not found; nothing to patch."); return true; }
        byte[] elf = File.ReadAllBytes(Library);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
        {
            Log.LogError($"{Library} is not a little-endian 64-bit ELF file; expected TorchSharp's linux-x64 libLibTorchSharp.so.");
            return false;
        }
        int patched = Patch(elf);
        if (patched < 0) { Log.LogError($"{Library}: no .gnu.version_r section; expected one in a GCC-built shared library."); return false; }
        if (patched > 0)
        {
            string temp = Library + ".tmp";
            File.WriteAllBytes(temp, elf);
            File.Delete(Library);
            File.Move(temp, Library);
        }
        Log.LogMessage(MessageImportance.High, $"{Path.GetFileName(Library)}: {Version} requirement {(patched > 0 ? "marked weak" : "already weak or absent")}.");
        return true;
    }

    /// <summary>Returns the number of entries changed, or -1 when the file has no version-needed section.</summary>
    private int Patch(byte[] elf)
    {
        long sectionHeaders = BitConverter.ToInt64(elf, 0x28);
        int entrySize = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < count; i++)
        {
            int header = (int)(sectionHeaders + (long)i * entrySize);
            if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(elf, header + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, header + 0x28);
            long strings = BitConverter.ToInt64(elf, (int)(sectionHeaders + (long)link * entrySize) + 0x18);
            return WeakenIn(elf, (int)offset, (int)strings);
        }
        return -1;
    }

    private int WeakenIn(byte[] elf, int verneed, int strings)
    {
        int changed = 0;
        for (int need = verneed; ; )
        {
            int auxCount = BitConverter.ToUInt16(elf, need + 2);
            int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
            for (int k = 0; k < auxCount; k++)
            {
                string name = CString(elf, strings + (int)BitConverter.ToUInt32(elf, aux + 8));
                ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                if (name == Version && (flags & VerFlagWeak) == 0)
                {
                    elf[aux + 4] = (byte)(flags | VerFlagWeak);   // little-endian: the flag lives in the low byte
                    changed++;
                }
                aux += (int)BitConverter.ToUInt32(elf, aux + 12);
            }
            uint next = BitConverter.ToUInt32(elf, need + 12);
            if (next == 0) return changed;
            need += (int)next;
        }
    }

    private static string CString(byte[] elf, int at)
    {
        int end = Array.IndexOf(elf, (byte)0, at);
        return Encoding.ASCII.GetString(elf, at, end - at);
    }
}
