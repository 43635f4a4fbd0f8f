using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Halon.Bench;

/// <summary>
/// The two AEADs of the BCL on this machine, sealing and opening one frame: a heartbeat-sized one and a large one
/// (an AppendEntries with entries, a status chunk). Sealed frames use the faster.
/// </summary>
[Config(typeof(Config))]
public class AeadBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _aad = new byte[4];
    private byte[] _plaintext = [];
    private byte[] _ciphertext = [];
    private AesGcm? _aes;
    private ChaCha20Poly1305? _chacha;

    [Params(96, 16 * 1024)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plaintext = RandomNumberGenerator.GetBytes(Bytes);
        _ciphertext = new byte[Bytes];
        _aes = new AesGcm(_key, 16);
        _chacha = ChaCha20Poly1305.IsSupported ? new ChaCha20Poly1305(_key) : null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aes?.Dispose();
        _chacha?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "AES-256-GCM seal+open")]
    public void AesGcmSealOpen()
    {
        _aes!.Encrypt(_nonce, _plaintext, _ciphertext, _tag, _aad);
        _aes.Decrypt(_nonce, _ciphertext, _tag, _plaintext, _aad);
    }

    [Benchmark(Description = "ChaCha20-Poly1305 seal+open")]
    public void ChaChaSealOpen()
    {
        if (_chacha is null)
        {
            throw new PlatformNotSupportedException("ChaCha20-Poly1305 is not supported here");
        }

        _chacha.Encrypt(_nonce, _plaintext, _ciphertext, _tag, _aad);
        _chacha.Decrypt(_nonce, _ciphertext, _tag, _plaintext, _aad);
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(10));
        }
    }
}
