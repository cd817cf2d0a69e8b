package evse.hlc;

import com.siemens.ct.exi.main.cmd.AbstractEXICodec;
import com.siemens.ct.exi.main.cmd.BuiltInSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.xml.bind.JAXBContext;
import javax.xml.bind.JAXBException;

/**
 * iso15118 0.31's EXI codec (EXICodec.jar) with one change: a JAXB context is made once per message
 * family and kept, where the jar's own EXICodec makes a new one for every message it encodes or
 * decodes. Building a context costs 25 to 60 ms on a PC, far more on a Raspberry Pi, and the EV gives
 * the charger 0.25 s to answer in the current demand loop. The grammars, the JSON mapping and the EXI
 * streams are the jar's: only the context's lifetime differs (hlc/exi_codec.py compiles and loads this).
 */
public final class CachedContextCodec extends AbstractEXICodec {
    /** The jar's grammar version (its EXICodec.get_version()): this class adds no grammar of its own. */
    private static final float JAR_VERSION = 1.55f;

    /** Static: the base class's constructor asks for its first context before this object's fields exist;
     * shared by every codec of the JVM (a JAXB context is thread-safe, its marshallers are not). */
    private static final Map<List<Class<?>>, JAXBContext> CONTEXTS = new ConcurrentHashMap<>();

    /** The namespace iso15118 names for each message, as EXICodec maps it. */
    private static final Map<String, BuiltInSchema> SCHEMAS = Map.of(
            "urn:iso:15118:2:2010:AppProtocol", BuiltInSchema.AppProtocol,
            "urn:iso:15118:2:2013:MsgDef", BuiltInSchema.ISO15118_2,
            "urn:din:70121:2012:MsgDef", BuiltInSchema.DINSpec_70121,
            "urn:iso:std:iso:15118:-20:CommonMessages", BuiltInSchema.ISO15118_20_V2G_CI_CommonMessages,
            "urn:iso:std:iso:15118:-20:AC", BuiltInSchema.ISO15118_20_V2G_CI_AC,
            "urn:iso:std:iso:15118:-20:DC", BuiltInSchema.ISO15118_20_V2G_CI_DC,
            "urn:iso:std:iso:15118:-20:WPT", BuiltInSchema.ISO15118_20_V2G_CI_WPT,
            "urn:iso:std:iso:15118:-20:ACDP", BuiltInSchema.ISO15118_20_V2G_CI_ACDP,
            "http://www.w3.org/2000/09/xmldsig#", BuiltInSchema.XSDCore);

    @Override
    protected synchronized void setJaxbContext(Class... classes) {
        try {
            JAXBContext context = context(classes);
            // Marshallers are cheap and hold per-message state: fresh ones, as the jar makes them.
            setUnmarshaller(context.createUnmarshaller());
            setMarshaller(context.createMarshaller());
            getUnmarshaller().setEventHandler(event -> {
                throw new RuntimeException(event.getMessage(), event.getLinkedException());
            });
        } catch (JAXBException e) {
            System.out.println("A JAXBException occurred while trying to set JAXB context " + e);
        }
    }

    /** Made outside any lock: a warm-up building one family never holds up a message of another. */
    private static JAXBContext context(Class<?>[] classes) throws JAXBException {
        List<Class<?>> family = List.of(classes);
        JAXBContext known = CONTEXTS.get(family);
        if (known != null) {
            return known;
        }
        JAXBContext made = JAXBContext.newInstance(classes);
        JAXBContext first = CONTEXTS.putIfAbsent(family, made);
        return first != null ? first : made;
    }

    /**
     * Encodes and decodes the given messages on a codec of its own, in a daemon thread, and returns at
     * once: the contexts, grammars and compiled code a first message of each kind would otherwise build
     * while an EV waits (2 s for its SupportedAppProtocolRes) are ready before the first EV talks.
     */
    public void warm(String[] jsons, String[] namespaces) {
        Thread thread = new Thread(() -> {
            CachedContextCodec spare = new CachedContextCodec();
            for (int i = 0; i < jsons.length; i++) {
                byte[] exi = spare.encode(jsons[i], namespaces[i]);
                if (exi != null) {
                    spare.decode(exi, namespaces[i]);
                }
            }
        }, "exi-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** The JSON iso15118 made of a message, as EXI; null with get_last_encoding_error() set on failure. */
    public byte[] encode(String json, String namespace) {
        resetLastEncodingError();
        try {
            return encode_json(json, SCHEMAS.get(namespace));
        } catch (Exception e) {
            setLastEncodingError("Cannot encode a message of " + namespace + ": " + e);
            return null;
        }
    }

    /** An EXI stream as iso15118's JSON; null with get_last_decoding_error() set on failure. */
    public String decode(byte[] exi, String namespace) {
        return decode_exi(exi, SCHEMAS.get(namespace));
    }

    public String get_last_encoding_error() {
        return lastEncodingError;
    }

    public String get_last_decoding_error() {
        return lastDecodingError;
    }

    @Override
    public float get_version() {
        return JAR_VERSION;
    }
}
