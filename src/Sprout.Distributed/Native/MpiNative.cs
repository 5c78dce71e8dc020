using System.Runtime.InteropServices;

namespace Sprout.Distributed.Native;

/// <summary>
/// The thin binding to Open MPI's C library (MPI 3.1): only the calls Sprout uses, and the handles Open MPI exposes as
/// global objects (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>, <c>MPI_FLOAT</c> is <c>&amp;ompi_mpi_float</c>, …).
/// The library is opened with RTLD_GLOBAL first, because Open MPI's own plugins resolve its symbols from the global scope.
/// </summary>
internal static unsafe partial class MpiNative
{
    public const string Library = "libmpi.so.40";
    private const int RtldNow = 2, RtldGlobal = 0x100;

    /// <summary>MPI_IN_PLACE in Open MPI.</summary>
    public static readonly nint InPlace = 1;

    private static nint s_handle;

    public static nint CommWorld { get; private set; }
    public static nint Float { get; private set; }
    public static nint Double { get; private set; }
    public static nint Int { get; private set; }
    public static nint OpSum { get; private set; }

    /// <summary>Opens libmpi globally and resolves the handles; throws a clear error when Open MPI is not installed.</summary>
    public static void Load()
    {
        if (s_handle != 0) return;
        nint handle = dlopen(Library, RtldNow | RtldGlobal);
        if (handle == 0)
            throw new DllNotFoundException(
                $"Sprout.Distributed needs Open MPI's {Library} ({Marshal.PtrToStringUTF8(dlerror()) ?? "not found"}). " +
                "Install it (Debian: apt-get install openmpi-bin libopenmpi-dev) and launch with mpirun.");
        CommWorld = Export(handle, "ompi_mpi_comm_world");
        Float = Export(handle, "ompi_mpi_float");
        Double = Export(handle, "ompi_mpi_double");
        Int = Export(handle, "ompi_mpi_int");
        OpSum = Export(handle, "ompi_mpi_op_sum");
        s_handle = handle;
        NativeLibrary.SetDllImportResolver(typeof(MpiNative).Assembly, (name, _, _) => name == Library ? s_handle : 0);
    }

    private static nint Export(nint handle, string symbol) =>
        NativeLibrary.TryGetExport(handle, symbol, out var address) ? address
            : throw new EntryPointNotFoundException($"{Library} has no '{symbol}': Sprout.Distributed binds Open MPI (4.x) and this MPI library is another one.");

    [LibraryImport("libdl.so.2", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlopen(string file, int mode);

    [LibraryImport("libdl.so.2")]
    private static partial nint dlerror();

    [LibraryImport(Library)] public static partial int MPI_Init(nint argc, nint argv);
    [LibraryImport(Library)] public static partial int MPI_Initialized(out int flag);
    [LibraryImport(Library)] public static partial int MPI_Finalized(out int flag);
    [LibraryImport(Library)] public static partial int MPI_Finalize();
    [LibraryImport(Library)] public static partial int MPI_Comm_rank(nint comm, out int rank);
    [LibraryImport(Library)] public static partial int MPI_Comm_size(nint comm, out int size);
    [LibraryImport(Library)] public static partial int MPI_Allreduce(void* send, void* receive, int count, nint datatype, nint op, nint comm);
    [LibraryImport(Library)] public static partial int MPI_Iallreduce(void* send, void* receive, int count, nint datatype, nint op, nint comm, out nint request);
    [LibraryImport(Library)] public static partial int MPI_Wait(ref nint request, nint status);
    [LibraryImport(Library)] public static partial int MPI_Test(ref nint request, out int flag, nint status);
    [LibraryImport(Library)] public static partial int MPI_Bcast(void* buffer, int count, nint datatype, int root, nint comm);
    [LibraryImport(Library)] public static partial int MPI_Allgather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, nint comm);
    [LibraryImport(Library)] public static partial int MPI_Barrier(nint comm);
    [LibraryImport(Library)] public static partial int MPI_Abort(nint comm, int errorCode);
    [LibraryImport(Library)] public static partial int MPI_Error_string(int errorCode, byte* text, out int length);
}
