"""Catalan and Spanish for the appointments catalogue (a maintenance script: fills empty msgstr).

Run: cd ajunta/appointments && python locale/translations.py && compilemessages.
"""

# msgid: (ca, es); plural msgid: ((ca1, ca2), (es1, es2))
T = {
    "No such office.": ("No existeix aquesta oficina.", "No existe esta oficina."),
    "The range is from 0 to 62 days.": (
        "L'interval és de 0 a 62 dies.",
        "El intervalo es de 0 a 62 días.",
    ),
    "That service is not offered.": ("Aquest servei no s'ofereix.", "Este servicio no se ofrece."),
    "Appointments": ("Cita prèvia", "Cita previa"),
    "Today's agenda": ("Agenda del dia", "Agenda del día"),
    "Statistics": ("Estadístiques", "Estadísticas"),
    "Offices and services": ("Oficines i serveis", "Oficinas y servicios"),
    "Closures": ("Tancaments", "Cierres"),
    "Full name": ("Nom i cognoms", "Nombre y apellidos"),
    "DNI/NIF or NIE": ("DNI/NIF o NIE", "DNI/NIF o NIE"),
    "E.g. 12345678Z or X1234567L.": (
        "P. ex. 12345678Z o X1234567L.",
        "P. ej. 12345678Z o X1234567L.",
    ),
    "E-mail": ("Correu electrònic", "Correo electrónico"),
    "We send you a code to confirm, then the appointment.": (
        "Us enviem un codi per confirmar i, després, la cita.",
        "Le enviamos un código para confirmar y, después, la cita.",
    ),
    "Mobile phone (optional)": ("Mòbil (opcional)", "Móvil (opcional)"),
    "I accept that the council uses these data to manage the appointment.": (
        "Accepto que l'ajuntament faci servir aquestes dades per gestionar la cita.",
        "Acepto que el ayuntamiento use estos datos para gestionar la cita.",
    ),
    "Code": ("Codi", "Código"),
    "Desk": ("Taulell", "Mostrador"),
    "Service": ("Servei", "Servicio"),
    "Name": ("Nom", "Nombre"),
    "DNI/NIF or NIE (optional)": ("DNI/NIF o NIE (opcional)", "DNI/NIF o NIE (opcional)"),
    "Address": ("Adreça", "Dirección"),
    "Map link": ("Enllaç al mapa", "Enlace al mapa"),
    "Accessibility": ("Accessibilitat", "Accesibilidad"),
    "Duration (minutes)": ("Durada (minuts)", "Duración (minutos)"),
    "Channel": ("Canal", "Canal"),
    "People per slot": ("Persones per franja", "Personas por franja"),
    "Documents to bring": ("Documents que cal portar", "Documentos que hay que traer"),
    "Kind": ("Tipus", "Tipo"),
    "Office": ("Oficina", "Oficina"),
    "From": ("Des de", "Desde"),
    "To": ("Fins a", "Hasta"),
    "Reason": ("Motiu", "Motivo"),
    "All offices": ("Totes les oficines", "Todas las oficinas"),
    "Calendar address (URL)": ("Adreça del calendari (URL)", "Dirección del calendario (URL)"),
    "or an .ics file": ("o un fitxer .ics", "o un fichero .ics"),
    "The calendar is larger than 5 MB.": (
        "El calendari fa més de 5 MB.",
        "El calendario ocupa más de 5 MB.",
    ),
    "This is not an iCalendar file: %(error)s": (
        "Això no és un fitxer iCalendar: %(error)s",
        "Esto no es un fichero iCalendar: %(error)s",
    ),
    "This is not an iCalendar file.": (
        "Això no és un fitxer iCalendar.",
        "Esto no es un fichero iCalendar.",
    ),
    "The calendar's events could not be read: %(error)s": (
        "No s'han pogut llegir els esdeveniments del calendari: %(error)s",
        "No se han podido leer los eventos del calendario: %(error)s",
    ),
    "The calendar has more than 5000 events in the window.": (
        "El calendari té més de 5.000 esdeveniments en el període.",
        "El calendario tiene más de 5.000 eventos en el periodo.",
    ),
    "The calendar's server could not be found.": (
        "No s'ha trobat el servidor del calendari.",
        "No se ha encontrado el servidor del calendario.",
    ),
    "A calendar address on a private network is not accepted.": (
        "No s'accepta una adreça de calendari d'una xarxa privada.",
        "No se acepta una dirección de calendario de una red privada.",
    ),
    "A calendar address starts with https:// or http://.": (
        "L'adreça d'un calendari comença per https:// o http://.",
        "La dirección de un calendario empieza por https:// o http://.",
    ),
    "The calendar could not be downloaded: %(error)s": (
        "No s'ha pogut baixar el calendari: %(error)s",
        "No se ha podido descargar el calendario: %(error)s",
    ),
    "In person": ("Presencial", "Presencial"),
    "By phone": ("Per telèfon", "Por teléfono"),
    "Video call": ("Videotrucada", "Videollamada"),
    "name": ("nom", "nombre"),
    "address": ("adreça", "dirección"),
    "accessibility": ("accessibilitat", "accesibilidad"),
    "Step-free access, lift, hearing loop...": (
        "Accés sense graons, ascensor, bucle magnètic...",
        "Acceso sin escalones, ascensor, bucle magnético...",
    ),
    "map link": ("enllaç al mapa", "enlace al mapa"),
    "phone": ("telèfon", "teléfono"),
    "open to bookings": ("oberta a reserves", "abierta a reservas"),
    "minimum notice (hours)": ("antelació mínima (hores)", "antelación mínima (horas)"),
    "No booking closer than this.": (
        "Cap reserva amb menys antelació.",
        "Ninguna reserva con menos antelación.",
    ),
    "maximum horizon (days)": ("horitzó màxim (dies)", "horizonte máximo (días)"),
    "No booking further than this.": ("Cap reserva més enllà.", "Ninguna reserva más allá."),
    "cancel or move until (hours before)": (
        "anul·lar o canviar fins a (hores abans)",
        "anular o cambiar hasta (horas antes)",
    ),
    "reminder (hours before)": ("recordatori (hores abans)", "recordatorio (horas antes)"),
    "procedure of the catalogue": ("procediment del catàleg", "procedimiento del catálogo"),
    "description": ("descripció", "descripción"),
    "documents to bring": ("documents que cal portar", "documentos que hay que traer"),
    "duration (minutes)": ("durada (minuts)", "duración (minutos)"),
    "channel": ("canal", "canal"),
    "people per slot": ("persones per franja", "personas por franja"),
    "More than one for group sessions.": (
        "Més d'una per a sessions de grup.",
        "Más de una para sesiones de grupo.",
    ),
    "bookings per person in the period": (
        "reserves per persona en el període",
        "reservas por persona en el periodo",
    ),
    "limit period (days)": ("període del límit (dies)", "periodo del límite (días)"),
    "offered": ("oferit", "ofrecido"),
    "services": ("serveis", "servicios"),
    "staff member": ("persona que atén", "persona que atiende"),
    "active": ("actiu", "activo"),
    "valid from": ("vàlid des de", "válido desde"),
    "valid until": ("vàlid fins a", "válido hasta"),
    "weekday": ("dia de la setmana", "día de la semana"),
    "Monday": ("Dilluns", "Lunes"),
    "Tuesday": ("Dimarts", "Martes"),
    "Wednesday": ("Dimecres", "Miércoles"),
    "Thursday": ("Dijous", "Jueves"),
    "Friday": ("Divendres", "Viernes"),
    "Saturday": ("Dissabte", "Sábado"),
    "Sunday": ("Diumenge", "Domingo"),
    "from": ("des de", "desde"),
    "to": ("fins a", "hasta"),
    "address (URL)": ("adreça (URL)", "dirección (URL)"),
    "Closed": ("Tancat", "Cerrado"),
    "Exceptional opening": ("Obertura excepcional", "Apertura excepcional"),
    "kind": ("tipus", "tipo"),
    "reason": ("motiu", "motivo"),
    "Booked": ("Reservada", "Reservada"),
    "Waiting": ("Esperant", "Esperando"),
    "Called": ("Cridada", "Llamada"),
    "Served": ("Atesa", "Atendida"),
    "Did not come": ("No s'ha presentat", "No se ha presentado"),
    "Cancelled": ("Anul·lada", "Anulada"),
    "locator": ("localitzador", "localizador"),
    "starts": ("comença", "empieza"),
    "ends": ("acaba", "acaba"),
    "status": ("estat", "estado"),
    "NIF/NIE": ("NIF/NIE", "NIF/NIE"),
    "e-mail": ("correu electrònic", "correo electrónico"),
    "walk-in": ("sense cita", "sin cita"),
    "turn": ("torn", "turno"),
    "Offered a slot": ("Se li ha ofert una plaça", "Se le ha ofrecido una plaza"),
    "day": ("dia", "día"),
    "Too many attempts from your connection. Try again in an hour.": (
        "Massa intents des de la vostra connexió. Torneu-ho a provar d'aquí a una hora.",
        "Demasiados intentos desde su conexión. Vuelva a intentarlo dentro de una hora.",
    ),
    "Please wait while your browser confirms the request, then send it again.": (
        "Espereu mentre el navegador confirma la petició i torneu-la a enviar.",
        "Espere mientras el navegador confirma la petición y vuelva a enviarla.",
    ),
    "Too many attempts for this DNI/NIE. Try again in an hour.": (
        "Massa intents per a aquest DNI/NIE. Torneu-ho a provar d'aquí a una hora.",
        "Demasiados intentos para este DNI/NIE. Vuelva a intentarlo dentro de una hora.",
    ),
    "Your appointment is booked. We have sent it to your e-mail.": (
        "La cita està reservada. Us l'hem enviat per correu electrònic.",
        "La cita está reservada. Se la hemos enviado por correo electrónico.",
    ),
    "The appointment is cancelled.": ("La cita s'ha anul·lat.", "La cita se ha anulado."),
    "The appointment is moved. We have sent it to your e-mail.": (
        "La cita s'ha canviat. Us l'hem enviat per correu electrònic.",
        "La cita se ha cambiado. Se la hemos enviado por correo electrónico.",
    ),
    "Check the name, DNI/NIE and e-mail, and try again.": (
        "Reviseu el nom, el DNI/NIE i el correu i torneu-ho a provar.",
        "Revise el nombre, el DNI/NIE y el correo y vuelva a intentarlo.",
    ),
    "You are on the waiting list. If a place is freed we will e-mail you.": (
        "Sou a la llista d'espera. Si s'allibera una plaça us escriurem.",
        "Está en la lista de espera. Si se libera una plaza le escribiremos.",
    ),
    "Appointments today": ("Cites d'avui", "Citas de hoy"),
    "Waiting now": ("Esperant ara", "Esperando ahora"),
    "Appointments in the next 7 days": (
        "Cites dels pròxims 7 dies",
        "Citas de los próximos 7 días",
    ),
    "That procedure is not of this organization.": (
        "Aquest procediment no és d'aquest ens.",
        "Este procedimiento no es de esta entidad.",
    ),
    "The office and services must be of this organization.": (
        "L'oficina i els serveis han de ser d'aquest ens.",
        "La oficina y los servicios deben ser de esta entidad.",
    ),
    "The desk is not of this organization.": (
        "El taulell no és d'aquest ens.",
        "El mostrador no es de esta entidad.",
    ),
    "The period ends before it starts.": (
        "El període acaba abans de començar.",
        "El periodo acaba antes de empezar.",
    ),
    "Each interval needs a weekday and must end after it starts.": (
        "Cada interval necessita un dia de la setmana i ha d'acabar després de començar.",
        "Cada intervalo necesita un día de la semana y debe acabar después de empezar.",
    ),
    "Two intervals of the same day overlap.": (
        "Dos intervals del mateix dia se solapen.",
        "Dos intervalos del mismo día se solapan.",
    ),
    "The end must be after the start.": (
        "El final ha de ser posterior a l'inici.",
        "El final debe ser posterior al inicio.",
    ),
    "The office or desk is not of this organization.": (
        "L'oficina o el taulell no són d'aquest ens.",
        "La oficina o el mostrador no son de esta entidad.",
    ),
    "An exceptional opening is for an office or a desk.": (
        "Una obertura excepcional és d'una oficina o d'un taulell.",
        "Una apertura excepcional es de una oficina o de un mostrador.",
    ),
    "Give a calendar file or its address.": (
        "Indiqueu un fitxer de calendari o la seva adreça.",
        "Indique un fichero de calendario o su dirección.",
    ),
    "Enter a valid DNI/NIF or NIE, e.g. 12345678Z.": (
        "Escriviu un DNI/NIF o NIE vàlid, p. ex. 12345678Z.",
        "Escriba un DNI/NIF o NIE válido, p. ej. 12345678Z.",
    ),
    "You already have %(count)s appointments booked, the most one person may hold.": (
        "Ja teniu %(count)s cites reservades, el màxim que pot tenir una persona.",
        "Ya tiene %(count)s citas reservadas, el máximo que puede tener una persona.",
    ),
    "You already have an appointment at that time.": (
        "Ja teniu una cita a aquesta hora.",
        "Ya tiene una cita a esa hora.",
    ),
    "You may book “%(service)s” at most %(count)s times within %(days)s days, and you already have.": (
        "Podeu reservar «%(service)s» com a màxim %(count)s vegades en %(days)s dies, i ja ho heu fet.",
        "Puede reservar «%(service)s» como máximo %(count)s veces en %(days)s días, y ya lo ha hecho.",
    ),
    "That time is no longer available. Choose another one.": (
        "Aquesta hora ja no està disponible. Trieu-ne una altra.",
        "Esa hora ya no está disponible. Elija otra.",
    ),
    "Enter your name.": ("Escriviu el vostre nom.", "Escriba su nombre."),
    "Appointments must be booked at least %(hours)s hours in advance.": (
        "Les cites s'han de reservar amb un mínim de %(hours)s hores d'antelació.",
        "Las citas deben reservarse con un mínimo de %(hours)s horas de antelación.",
    ),
    "Appointments can be booked at most %(days)s days ahead.": (
        "Les cites es poden reservar com a màxim amb %(days)s dies d'antelació.",
        "Las citas pueden reservarse como máximo con %(days)s días de antelación.",
    ),
    "This appointment can no longer be changed.": (
        "Aquesta cita ja no es pot canviar.",
        "Esta cita ya no puede cambiarse.",
    ),
    "Appointments can be changed or cancelled until %(hours)s hours before.": (
        "Les cites es poden canviar o anul·lar fins a %(hours)s hores abans.",
        "Las citas pueden cambiarse o anularse hasta %(hours)s horas antes.",
    ),
    "An appointment that is “%(status)s” cannot change that way.": (
        "Una cita en estat «%(status)s» no pot canviar així.",
        "Una cita en estado «%(status)s» no puede cambiar así.",
    ),
    "A no-show is recorded once the appointment's time has come.": (
        "La no-presentació es registra quan ha arribat l'hora de la cita.",
        "La no presentación se registra cuando ha llegado la hora de la cita.",
    ),
    "The desk and service must be of this organization.": (
        "El taulell i el servei han de ser d'aquest ens.",
        "El mostrador y el servicio deben ser de esta entidad.",
    ),
    "Walk-in": ("Sense cita", "Sin cita"),
    "Your code to confirm the appointment: %(code)s": (
        "El vostre codi per confirmar la cita: %(code)s",
        "Su código para confirmar la cita: %(code)s",
    ),
    "Your code is %(code)s. Enter it on the booking page within 15 minutes to confirm the appointment. If you did not ask for it, ignore this message.": (
        "El vostre codi és %(code)s. Escriviu-lo a la pàgina de reserva abans de 15 minuts per confirmar la cita. Si no l'heu demanat, no en feu cas.",
        "Su código es %(code)s. Escríbalo en la página de reserva antes de 15 minutos para confirmar la cita. Si no lo ha pedido, ignore este mensaje.",
    ),
    "The code has expired. Start again.": (
        "El codi ha caducat. Torneu a començar.",
        "El código ha caducado. Vuelva a empezar.",
    ),
    "Too many wrong codes. Start again.": (
        "Massa codis erronis. Torneu a començar.",
        "Demasiados códigos erróneos. Vuelva a empezar.",
    ),
    "The code is not right.": ("El codi no és correcte.", "El código no es correcto."),
    "Service: %(service)s": ("Servei: %(service)s", "Servicio: %(service)s"),
    "When: %(when)s": ("Quan: %(when)s", "Cuándo: %(when)s"),
    "Where: %(office)s, %(address)s": (
        "On: %(office)s, %(address)s",
        "Dónde: %(office)s, %(address)s",
    ),
    "Locator: %(locator)s": ("Localitzador: %(locator)s", "Localizador: %(locator)s"),
    "Bring: %(docs)s": ("Cal portar: %(docs)s", "Hay que traer: %(docs)s"),
    "Video call: %(url)s": ("Videotrucada: %(url)s", "Videollamada: %(url)s"),
    "See, move or cancel it: %(url)s": (
        "Consulteu-la, canvieu-la o anul·leu-la: %(url)s",
        "Consúltela, cámbiela o anúlela: %(url)s",
    ),
    "Appointment moved: %(locator)s": ("Cita canviada: %(locator)s", "Cita cambiada: %(locator)s"),
    "Appointment confirmed: %(locator)s": (
        "Cita confirmada: %(locator)s",
        "Cita confirmada: %(locator)s",
    ),
    "Reminder: your appointment %(locator)s": (
        "Recordatori: la vostra cita %(locator)s",
        "Recordatorio: su cita %(locator)s",
    ),
    "You are already on the waiting list for that day.": (
        "Ja sou a la llista d'espera d'aquest dia.",
        "Ya está en la lista de espera de ese día.",
    ),
    "A place is free on %(day)s": (
        "Hi ha una plaça lliure el %(day)s",
        "Hay una plaza libre el %(day)s",
    ),
    "A place for “%(service)s” at %(office)s is free on %(day)s. The first to book it gets it: %(url)s": (
        "Ha quedat lliure una plaça de «%(service)s» a %(office)s el %(day)s. Qui la reservi primer se la queda: %(url)s",
        "Ha quedado libre una plaza de «%(service)s» en %(office)s el %(day)s. Quien la reserve primero se la queda: %(url)s",
    ),
    "Choose the day and office": ("Trieu el dia i l'oficina", "Elija el día y la oficina"),
    "Previous day": ("Dia anterior", "Día anterior"),
    "Next day": ("Dia següent", "Día siguiente"),
    "Printable version": ("Versió per imprimir", "Versión para imprimir"),
    "Waiting-room screen": ("Pantalla de la sala d'espera", "Pantalla de la sala de espera"),
    "The day's appointments": ("Les cites del dia", "Las citas del día"),
    "Time": ("Hora", "Hora"),
    "Person": ("Persona", "Persona"),
    "Status": ("Estat", "Estado"),
    "Actions": ("Accions", "Acciones"),
    "turn %(turn)s": ("torn %(turn)s", "turno %(turn)s"),
    "Arrived": ("Ha arribat", "Ha llegado"),
    "Call": ("Cridar", "Llamar"),
    "No appointments this day.": ("Cap cita aquest dia.", "Ninguna cita este día."),
    "Add and give a turn": ("Afegir i donar torn", "Añadir y dar turno"),
    "Holidays of the business calendar close by themselves. Here: one-off closures and openings, and calendars of closures imported from iCalendar.": (
        "Els festius del calendari laboral tanquen per si sols. Aquí: tancaments i obertures puntuals, i calendaris de tancaments importats d'iCalendar.",
        "Los festivos del calendario laboral cierran por sí solos. Aquí: cierres y aperturas puntuales, y calendarios de cierres importados de iCalendar.",
    ),
    "Coming closures and openings": (
        "Pròxims tancaments i obertures",
        "Próximos cierres y aperturas",
    ),
    "Where": ("On", "Dónde"),
    "None.": ("Cap.", "Ninguno."),
    "Imported calendars": ("Calendaris importats", "Calendarios importados"),
    "Events": ("Esdeveniments", "Eventos"),
    "Read on": ("Llegit el", "Leído el"),
    "Last error": ("Darrer error", "Último error"),
    "Close or open on some dates": (
        "Tancar o obrir en unes dates",
        "Cerrar o abrir en unas fechas",
    ),
    "Save": ("Desar", "Guardar"),
    "Import a calendar of closures": (
        "Importar un calendari de tancaments",
        "Importar un calendario de cierres",
    ),
    "Import": ("Importar", "Importar"),
    "Nobody has been called yet.": (
        "Encara no s'ha cridat ningú.",
        "Todavía no se ha llamado a nadie.",
    ),
    "%(waiting)s person waiting.": (
        ("%(waiting)s persona esperant.", "%(waiting)s persones esperant."),
        ("%(waiting)s persona esperando.", "%(waiting)s personas esperando."),
    ),
    "Your details": ("Les vostres dades", "Sus datos"),
    "Your browser is confirming the request; this takes a few seconds…": (
        "El navegador està confirmant la petició; triga uns segons…",
        "El navegador está confirmando la petición; tarda unos segundos…",
    ),
    "Continue": ("Continuar", "Continuar"),
    "Your appointment": ("La vostra cita", "Su cita"),
    "Locator %(locator)s. Keep this page's address: it lets you see, move or cancel the appointment.": (
        "Localitzador %(locator)s. Guardeu l'adreça d'aquesta pàgina: us permet consultar, canviar o anul·lar la cita.",
        "Localizador %(locator)s. Guarde la dirección de esta página: le permite consultar, cambiar o anular la cita.",
    ),
    "Summary": ("Resum", "Resumen"),
    "When": ("Quan", "Cuándo"),
    "map": ("mapa", "mapa"),
    "Bring": ("Cal portar", "Hay que traer"),
    "Join the video call": ("Entrar a la videotrucada", "Entrar en la videollamada"),
    "Actions on this appointment": ("Accions sobre aquesta cita", "Acciones sobre esta cita"),
    "Add to my calendar (.ics)": (
        "Afegir al meu calendari (.ics)",
        "Añadir a mi calendario (.ics)",
    ),
    "Change the time": ("Canviar l'hora", "Cambiar la hora"),
    "Cancel the appointment": ("Anul·lar la cita", "Anular la cita"),
    "%(service)s, now on %(when)s.": (
        "%(service)s, ara el %(when)s.",
        "%(service)s, ahora el %(when)s.",
    ),
    "Days with free times": ("Dies amb hores lliures", "Días con horas libres"),
    "Free times on %(day)s": ("Hores lliures el %(day)s", "Horas libres el %(day)s"),
    "This day is full.": ("Aquest dia és ple.", "Este día está completo."),
    "Book an appointment": ("Demanar cita prèvia", "Pedir cita previa"),
    "Choose what you need from %(name)s. You need your DNI/NIE and an e-mail address; no account.": (
        "Trieu què necessiteu de %(name)s. Us cal el DNI/NIE i una adreça de correu; cap compte.",
        "Elija qué necesita de %(name)s. Necesita su DNI/NIE y una dirección de correo; ninguna cuenta.",
    ),
    "%(minutes)s minute": (
        ("%(minutes)s minut", "%(minutes)s minuts"),
        ("%(minutes)s minuto", "%(minutes)s minutos"),
    ),
    "No appointments are offered at the moment.": (
        "Ara mateix no s'ofereix cita prèvia.",
        "En este momento no se ofrece cita previa.",
    ),
    "Choose a day and a time": ("Trieu un dia i una hora", "Elija un día y una hora"),
    "There are no free times in the coming weeks.": (
        "No hi ha hores lliures les pròximes setmanes.",
        "No hay horas libres en las próximas semanas.",
    ),
    "%(free)s place": (
        ("%(free)s plaça", "%(free)s places"),
        ("%(free)s plaza", "%(free)s plazas"),
    ),
    "Join the waiting list": ("Apuntar-me a la llista d'espera", "Apuntarme a la lista de espera"),
    "If a place is freed on this day we will e-mail you; the first to book it gets it.": (
        "Si s'allibera una plaça aquest dia us escriurem; qui la reservi primer se la queda.",
        "Si se libera una plaza ese día le escribiremos; quien la reserve primero se la queda.",
    ),
    "Confirm your e-mail": ("Confirmeu el correu electrònic", "Confirme su correo electrónico"),
    "We have e-mailed you a six-digit code. Enter it here within 15 minutes to book the appointment.": (
        "Us hem enviat un codi de sis xifres. Escriviu-lo aquí abans de 15 minuts per reservar la cita.",
        "Le hemos enviado un código de seis cifras. Escríbalo aquí antes de 15 minutos para reservar la cita.",
    ),
    "Book the appointment": ("Reservar la cita", "Reservar la cita"),
    "Waiting room": ("Sala d'espera", "Sala de espera"),
    "Desks and weekly schedules are kept through the API or the administration site.": (
        "Els taulells i els horaris setmanals es mantenen per l'API o el lloc d'administració.",
        "Los mostradores y los horarios semanales se mantienen por la API o el sitio de administración.",
    ),
    "Offices": ("Oficines", "Oficinas"),
    "Citizens' page": ("Pàgina de la ciutadania", "Página de la ciudadanía"),
    "open": ("obrir", "abrir"),
    "No offices yet.": ("Encara no hi ha oficines.", "Todavía no hay oficinas."),
    "New office": ("Nova oficina", "Nueva oficina"),
    "Add the office": ("Afegir l'oficina", "Añadir la oficina"),
    "Services": ("Serveis", "Servicios"),
    "Duration": ("Durada", "Duración"),
    "No services yet.": ("Encara no hi ha serveis.", "Todavía no hay servicios."),
    "New service": ("Nou servei", "Nuevo servicio"),
    "Add the service": ("Afegir el servei", "Añadir el servicio"),
    "Desks": ("Taulells", "Mostradores"),
    "Calendar feed": ("Calendari subscrivible", "Calendario suscribible"),
    "iCalendar address": ("Adreça iCalendar", "Dirección iCalendar"),
    "No desks yet.": ("Encara no hi ha taulells.", "Todavía no hay mostradores."),
    "Appointment statistics": ("Estadístiques de cita prèvia", "Estadísticas de cita previa"),
    "From %(start)s to %(end)s": ("Del %(start)s al %(end)s", "Del %(start)s al %(end)s"),
    "Show": ("Mostrar", "Mostrar"),
    "Bookings": ("Reserves", "Reservas"),
    "No-show rate (%%)": ("Taxa de no-presentació (%%)", "Tasa de no presentación (%%)"),
    "Walk-ins": ("Sense cita", "Sin cita"),
    "Average lead time (days)": ("Antelació mitjana (dies)", "Antelación media (días)"),
    "Appointments per service": ("Cites per servei", "Citas por servicio"),
    "Appointments per office": ("Cites per oficina", "Citas por oficina"),
    "Appointments across members": (
        "Cita prèvia als ens adherits",
        "Cita previa en las entidades adheridas",
    ),
    "From %(start)s to %(end)s: counts only, no personal data.": (
        "Del %(start)s al %(end)s: només recomptes, cap dada personal.",
        "Del %(start)s al %(end)s: solo recuentos, ningún dato personal.",
    ),
    "Member": ("Ens adherit", "Entidad adherida"),
    "No appointments yet.": ("Encara no hi ha cites.", "Todavía no hay citas."),
    "Walk-in added with turn %(turn)s.": (
        "Persona sense cita afegida amb el torn %(turn)s.",
        "Persona sin cita añadida con el turno %(turn)s.",
    ),
    "Choose a desk and a service and give a name.": (
        "Trieu un taulell i un servei i indiqueu un nom.",
        "Elija un mostrador y un servicio e indique un nombre.",
    ),
    "Saved.": ("Desat.", "Guardado."),
    "Appointments per member": ("Cites per ens adherit", "Citas por entidad adherida"),
    "Appointments across members (usage)": (
        "Ús de la cita prèvia als ens adherits",
        "Uso de la cita previa en las entidades adheridas",
    ),
}

T.update(
    {
        "Weekly hours": ("Horari setmanal", "Horario semanal"),
        "Schedule": ("Horari", "Horario"),
        "New desk": ("Nou taulell", "Nuevo mostrador"),
        "Add the desk": ("Afegir el taulell", "Añadir el mostrador"),
        "New weekly schedule": ("Nou horari setmanal", "Nuevo horario semanal"),
        "On a day, the schedule with the shortest period that includes it applies: give summer hours their dates and they win over the all-year ones.": (
            "Cada dia s'aplica l'horari de període més curt que l'inclou: doneu dates a l'horari d'estiu i passarà per davant del de tot l'any.",
            "Cada día se aplica el horario de periodo más corto que lo incluye: dé fechas al horario de verano y pasará por delante del de todo el año.",
        ),
        "Add the schedule": ("Afegir l'horari", "Añadir el horario"),
        "Offices, the services they give, the desks that give them and each desk's weekly hours.": (
            "Les oficines, els serveis que ofereixen, els taulells que els atenen i l'horari setmanal de cada taulell.",
            "Las oficinas, los servicios que ofrecen, los mostradores que los atienden y el horario semanal de cada mostrador.",
        ),
        "Valid from": ("Vàlid des de", "Válido desde"),
        "Valid until": ("Vàlid fins a", "Válido hasta"),
        "Leave both dates empty for the all-year schedule.": (
            "Deixeu les dues dates buides per a l'horari de tot l'any.",
            "Deje las dos fechas vacías para el horario de todo el año.",
        ),
        "E.g. 09:00-11:00, 11:30-14:00 (a break between).": (
            "P. ex. 09:00-11:00, 11:30-14:00 (amb una pausa entremig).",
            "P. ej. 09:00-11:00, 11:30-14:00 (con una pausa en medio).",
        ),
        "Write hours as 09:00-11:00, separated by commas.": (
            "Escriviu les hores com 09:00-11:00, separades per comes.",
            "Escriba las horas como 09:00-11:00, separadas por comas.",
        ),
        "Give the hours of at least one day.": (
            "Indiqueu l'horari d'un dia com a mínim.",
            "Indique el horario de un día como mínimo.",
        ),
    }
)

T.update(
    {
        "My appointments": ("Les meves cites", "Mis citas"),
        "You have no appointments.": ("No teniu cap cita.", "No tiene ninguna cita."),
    }
)

T.update(
    {
        "Give a date within ten years of today.": (
            "Indiqueu una data dins dels deu anys propers a avui.",
            "Indique una fecha dentro de los diez años cercanos a hoy.",
        ),
        "Give a date within the calendar.": (
            "Indiqueu una data dins del calendari.",
            "Indique una fecha dentro del calendario.",
        ),
    }
)

if __name__ == "__main__":
    import polib  # type: ignore[import-untyped,import-not-found,unused-ignore]

    for index, language in ((0, "ca"), (1, "es")):
        path = f"locale/{language}/LC_MESSAGES/django.po"
        po = polib.pofile(path)
        missing = []
        for entry in po:
            if entry.msgid not in T:
                missing.append(entry.msgid)
                continue
            value = T[entry.msgid][index]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value[0], 1: value[1]}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.metadata["Language"] = language
        po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.save(path)
        print(language, "missing:", missing)
